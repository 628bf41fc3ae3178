"""AWS replies lost on the way back, at botocore's HTTP boundary.

`LostReplies` is a `before-send` hook: for the chosen operation it sends the request to the
endpoint for real (so moto applies it, exactly as AWS would), throws the answer away and raises
the `ConnectionClosedError` a reset connection gives. botocore's retry handler then re-sends the
call, which is what happens in production when a reply is lost: the retry meets a resource the
first call already changed ("Could not find endpoint"). With `reach=False` the request never
arrives (a connection refused before sending).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import boto3
from botocore.exceptions import ConnectionClosedError
from botocore.httpsession import URLLib3Session

from bot.aws.session import ClientFactory


@dataclass
class LostReplies:
    operation: str  # e.g. "DeleteEndpoint"
    times: int = 1  # how many replies to lose
    reach: bool = True  # does the request reach AWS before its reply is lost?
    lost: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: object, **_: object) -> None:
        with self._lock:
            if self.lost >= self.times:
                return None
            self.lost += 1
        if self.reach:
            URLLib3Session().send(request)  # type: ignore[arg-type]
        raise ConnectionClosedError(endpoint_url=getattr(request, "url", ""))

    def factory(self, service_id: str = "sagemaker") -> ClientFactory:
        """A ClientFactory whose clients lose these replies."""
        session = boto3.session.Session()
        session.events.register(f"before-send.{service_id}.{self.operation}", self)
        return ClientFactory(base_session=session)
