from app import app


def client():
    app.config["TESTING"] = True
    return app.test_client()


def test_hello_says_where_it_runs():
    response = client().get("/")
    assert response.status_code == 200
    assert b"Hello from Gantry (python-flask)" in response.data


def test_health_is_json():
    response = client().get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_unknown_path_is_404():
    assert client().get("/nope").status_code == 404
