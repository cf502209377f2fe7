#!/usr/bin/env python3
"""Checks Kubernetes manifests strictly against the object models of PyPI's `kubernetes` client.

Usage: validate.py [--dump] FILE|-

Every YAML document must be a mapping whose apiVersion/kind is one Gantry exports
(apps/v1 Deployment, v1 Service, networking.k8s.io/v1 Ingress, v1 Secret). Each is walked
against its model class (V1Deployment, ...): every key must be a field of the model
(`attribute_map`), every value of the field's type (`openapi_types`), and every field the model
requires (its setter refuses None) must be present. Duplicate keys in a mapping are refused too
(a YAML loader would keep the last one silently). `ApiClient().deserialize` alone would drop
unknown keys; this does not.

Exit status 0 when every document is valid (with --dump, the documents are printed as JSON on
stdout for the caller to inspect), 1 with one line per problem on stdout, 2 on bad usage.
"""
import inspect
import json
import re
import sys

import yaml
from kubernetes import client

KINDS = {
    ("apps/v1", "Deployment"): "V1Deployment",
    ("v1", "Service"): "V1Service",
    ("networking.k8s.io/v1", "Ingress"): "V1Ingress",
    ("v1", "Secret"): "V1Secret",
}


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with the same key twice."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_required_cache = {}


def required_fields(cls):
    """The attributes the model requires: pydantic fields without a default (clients from 35
    on), or attributes whose setter refuses None (older clients)."""
    if cls not in _required_cache:
        fields = getattr(cls, "model_fields", None)
        if fields is not None:
            required = {attribute for attribute, field in fields.items() if field.is_required()}
        else:
            required = set()
            for attribute in cls.openapi_types:
                setter = getattr(cls, attribute).fset
                if setter is not None and "must not be `None`" in inspect.getsource(setter):
                    required.add(attribute)
        _required_cache[cls] = required
    return _required_cache[cls]


def check(value, type_name, path, problems):
    """Checks `value` against an openapi type string such as 'str', 'list[V1Container]',
    'dict(str, str)' or a model's name, adding one line per problem to `problems`."""
    if value is None:
        problems.append(f"{path}: null where a {type_name} belongs")
        return
    match = re.fullmatch(r"(?:list|List)\[(.+)\]", type_name)
    if match:
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list of {match.group(1)}, found {type(value).__name__}")
            return
        for index, item in enumerate(value):
            check(item, match.group(1), f"{path}[{index}]", problems)
        return
    match = re.fullmatch(r"dict\(([^,]+), (.+)\)|Dict\[([^,]+), (.+)\]", type_name)
    if match:
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a mapping of {match.group(2) or match.group(4)}, found {type(value).__name__}")
            return
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(f"{path}: key {key!r} is not a string")
            check(item, match.group(2) or match.group(4), f"{path}.{key}", problems)
        return
    if type_name in ("str", "bytes"):
        if not isinstance(value, str):
            problems.append(f"{path}: expected a string, found {type(value).__name__} {value!r}")
    elif type_name == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{path}: expected an integer, found {type(value).__name__} {value!r}")
    elif type_name == "float":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"{path}: expected a number, found {type(value).__name__} {value!r}")
    elif type_name == "bool":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected true or false, found {type(value).__name__} {value!r}")
    elif type_name == "object":
        # IntOrString (ports) and free-form values.
        if not isinstance(value, (str, int, float, bool, dict, list)):
            problems.append(f"{path}: unexpected {type(value).__name__}")
    elif type_name in ("datetime", "date"):
        if not isinstance(value, str):
            problems.append(f"{path}: expected a timestamp string, found {type(value).__name__}")
    else:
        cls = getattr(client, type_name, None)
        if cls is None or not hasattr(cls, "openapi_types"):
            problems.append(f"{path}: the client has no model {type_name}")
            return
        check_model(value, cls, path, problems)


def check_model(value, cls, path, problems):
    if not isinstance(value, dict):
        problems.append(f"{path}: expected a {cls.__name__} mapping, found {type(value).__name__}")
        return
    by_json_name = {json_name: attribute for attribute, json_name in cls.attribute_map.items()}
    for key, item in value.items():
        attribute = by_json_name.get(key)
        if attribute is None:
            problems.append(f"{path}.{key}: unknown field of {cls.__name__}")
            continue
        check(item, cls.openapi_types[attribute], f"{path}.{key}", problems)
    for attribute in sorted(required_fields(cls)):
        if cls.attribute_map[attribute] not in value:
            problems.append(f"{path}.{cls.attribute_map[attribute]}: required by {cls.__name__}, missing")


def validate(text):
    """(documents, problems) of a YAML stream."""
    problems = []
    try:
        documents = list(yaml.load_all(text, Loader=StrictLoader))
    except yaml.YAMLError as error:
        return [], [f"not valid YAML: {error}"]
    if not documents:
        problems.append("no document")
    for number, document in enumerate(documents, start=1):
        if not isinstance(document, dict):
            problems.append(f"document {number}: expected a mapping, found {type(document).__name__}")
            continue
        api_version, kind = document.get("apiVersion"), document.get("kind")
        model = KINDS.get((api_version, kind))
        if model is None:
            problems.append(f"document {number}: apiVersion {api_version!r} kind {kind!r} is none of "
                            + ", ".join(f"{a} {k}" for a, k in KINDS))
            continue
        name = (document.get("metadata") or {}).get("name", "?") if isinstance(document.get("metadata"), dict) else "?"
        where = f"document {number} ({kind} {name})"
        before = len(problems)
        check_model(document, getattr(client, model), where, problems)
        # A second opinion where the client has one: its pydantic model (extra fields forbidden).
        cls = getattr(client, model)
        if len(problems) == before and hasattr(cls, "model_validate"):
            try:
                cls.model_validate(document)
            except Exception as error:  # pydantic.ValidationError, ValueError
                problems.append(f"{where}: the client's {model} refuses it: {' '.join(str(error).split())}")
    return documents, problems


def main(argv):
    arguments = argv[1:]
    dump = "--dump" in arguments
    arguments = [a for a in arguments if a != "--dump"]
    if len(arguments) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    text = sys.stdin.read() if arguments[0] == "-" else open(arguments[0], encoding="utf-8").read()
    documents, problems = validate(text)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    if dump:
        json.dump(documents, sys.stdout, ensure_ascii=False, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
