"""A real local server speaking the S3 protocol for the staging tests: moto's server (``moto_server``).

MinIO cannot be installed offline here; moto's standalone server answers the same REST API over HTTP on a
free local port, with signature checking switched on (``INITIAL_NO_AUTH_ACTION_COUNT``): the first three
requests make an IAM user with an S3 policy and its access key, every request after them must be signed
with that key, so a wrong secret is refused as MinIO or AWS would refuse it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

UNSIGNED_SET_UP = 3  # create_user, put_user_policy, create_access_key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MotoS3:
    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.access_key = self.secret_key = ""

    def start(self) -> MotoS3:
        env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(UNSIGNED_SET_UP), "MOTO_PORT": str(self.port)}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                             str(self.port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.log.read_text("utf-8", "replace")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"moto_server did not listen on {self.port}") from None
                time.sleep(0.1)
        iam = self.client("iam", "set-up", "set-up")
        iam.create_user(UserName="forensics")
        iam.put_user_policy(UserName="forensics", PolicyName="staging", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="forensics")["AccessKey"]
        self.access_key, self.secret_key = key["AccessKeyId"], key["SecretAccessKey"]
        return self

    def client(self, service: str = "s3", access_key: str = "", secret_key: str = "") -> Any:
        import boto3

        return boto3.session.Session().client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                                              aws_access_key_id=access_key or self.access_key,
                                              aws_secret_access_key=secret_key or self.secret_key)

    def env(self, *, secret: str | None = None) -> dict[str, str]:
        """What a worker or desk is given: the endpoint and this server's key (or a wrong secret)."""
        return {"FORENSICS_S3_ENDPOINT": self.endpoint, "FORENSICS_S3_ACCESS_KEY": self.access_key,
                "FORENSICS_S3_SECRET_KEY": self.secret_key if secret is None else secret}

    def objects(self, bucket: str) -> dict[str, bytes]:
        found = {}
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for entry in page.get("Contents") or []:
                found[entry["Key"]] = self.client().get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
        return found

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
