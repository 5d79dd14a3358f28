"""Sign in as a browser does and print the session cookie as NAME=VALUE (for a Cookie header).

    python -m bench.login BASE EMAIL PASSWORD [TOTP_SECRET_FILE]

GET /login for the CSRF token, POST the form; when the portal asks for the second factor, GET the code
step and POST a TOTP code made from the secret in TOTP_SECRET_FILE (see bench/bench_totp.py). A code works
once per 30-second step, so a second sign-in in the same step uses the next step's code (accepted for clock
drift), and after that waits for a new step (at most BENCH_TOTP_TRIES steps).
Cookies are read from the response headers, so Secure cookies over plain http on 127.0.0.1 work too.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pyotp
import requests

TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


class LoginFailed(Exception):
    pass


def _cookies(resp: requests.Response, jar: dict[str, str]) -> None:
    for raw in resp.raw.headers.getlist("Set-Cookie"):
        name, _, rest = raw.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def _header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _form(http: requests.Session, url: str, jar: dict[str, str]) -> str:
    resp = http.get(url, headers={"Cookie": _header(jar)}, allow_redirects=False, timeout=30)
    _cookies(resp, jar)
    match = TOKEN.search(resp.text)
    if resp.status_code != 200 or not match:
        raise LoginFailed(f"no csrf_token on {url} (HTTP {resp.status_code})")
    return match.group(1)


def _post(http: requests.Session, url: str, jar: dict[str, str], data: dict[str, str]) -> requests.Response:
    resp = http.post(url, data=data, allow_redirects=False, timeout=30,
                     headers={"Cookie": _header(jar), "Referer": url})
    _cookies(resp, jar)
    return resp


def login(base: str, email: str, password: str, secret_file: Path | None, tries: int = 3) -> str:
    http = requests.Session()
    jar: dict[str, str] = {}
    token = _form(http, f"{base}/login", jar)
    resp = _post(http, f"{base}/login", jar, {"email": email, "password": password, "csrf_token": token})
    if resp.status_code != 303:
        raise LoginFailed(f"login failed (HTTP {resp.status_code})")
    if resp.headers.get("Location", "").endswith("/login/two-factor"):
        if secret_file is None or not secret_file.exists():
            raise LoginFailed("the portal asks for a two-factor code and no secret file was given")
        secret = secret_file.read_text().strip()
        step_url = f"{base}/login/two-factor"
        for attempt in range(2 + tries):
            if attempt < 2:
                code = pyotp.TOTP(secret).at(time.time() + 30 * attempt)
            else:
                time.sleep(30 - time.time() % 30 + 0.5)
                code = pyotp.TOTP(secret).at(time.time())
            token = _form(http, step_url, jar)
            resp = _post(http, step_url, jar, {"code": code, "csrf_token": token})
            if resp.status_code == 303:
                break
        else:
            raise LoginFailed("no two-factor code was accepted")
    session = next((f"{k}={v}" for k, v in jar.items() if "session" in k), "")
    if not session:
        raise LoginFailed("no session cookie after sign-in")
    return session


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    secret = Path(argv[3]) if len(argv) == 4 and argv[3] else None
    try:
        print(login(argv[0].rstrip("/"), argv[1], argv[2], secret, int(os.environ.get("BENCH_TOTP_TRIES", "3"))))
    except (LoginFailed, requests.RequestException) as exc:
        print(f"sign-in failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
