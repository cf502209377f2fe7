"""A minimal Flask app for Gantry: `git push gantry main`, then open http://APP.localhost:8000/."""
import os

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello from Gantry (python-flask)\n"


@app.get("/health")
def health():
    return {"status": "ok"}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
