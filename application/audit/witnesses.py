"""The log's side of C2SP tlog-witness: asking each configured witness to cosign a checkpoint.

The server holds no witness key. For each new checkpoint the log sends every witness the size
it last saw cosigned by that witness with a consistency proof from there; a witness that
answers 409 says which size it holds, and the log tries once more from that size (so a witness
that was down catches up with one proof). A cosignature counts only if it verifies under the
witness's configured key; a witness that does not answer is tried again at the next checkpoint.
"""

from __future__ import annotations

import base64
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from application.shared.settings import WitnessConfig
from domain.shared import tlog

log = logging.getLogger("tiaojie.audit")
ConsistencyProof = Callable[[int, int], list[bytes]]


@dataclass
class WitnessClient:
    config: WitnessConfig
    timeout: float = 3.0
    size: int = 0  # the size this witness last cosigned, as far as the log knows
    lag: str = "never asked"
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.verifier = tlog.Verifier.parse(self.config.vkey)  # a bad key refuses to start

    @property
    def name(self) -> str:
        return self.verifier.name

    def cosign(self, note: str, size: int, proof: ConsistencyProof) -> str | None:
        """The witness's cosignature line on `note` (a checkpoint of `size`), or None."""
        with self._lock:
            for _ in range(2):
                old = self.size if self.size <= size else 0
                status, answer = self._post(old, note, proof(old, size) if 0 < old < size else [])
                if status == 409 and answer.strip().isdigit():
                    self.size = int(answer.strip())
                    if self.size > size:
                        self.lag = f"holds {self.size}, more than the log's {size}"
                        log.error("witness %s %r", self.name, self.lag)
                        return None
                    continue
                if status != 200:
                    self.lag = f"answered {status}: {answer.strip()[:200]}"
                    log.warning("witness %s %r", self.name, self.lag)
                    return None
                try:
                    tlog.verify_cosignature(note + answer, self.verifier)
                except ValueError:
                    self.lag = "answered a cosignature that does not verify"
                    log.warning("witness %s %r", self.name, self.lag)
                    return None
                self.size, self.lag = size, ""
                return answer
        return None

    def held(self, origin: str) -> str | None:
        """The latest checkpoint the witness cosigned for the log (GET /checkpoint)."""
        url = f"{self.config.url}/checkpoint?origin={urllib.parse.quote(origin, safe='')}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310
                text: str = response.read().decode()
                return text
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise

    def _post(self, old: int, note: str, proof: list[bytes]) -> tuple[int, str]:
        lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
        body = ("\n".join(lines) + "\n\n" + note).encode()
        request = urllib.request.Request(  # noqa: S310 (configured witness URLs)
            f"{self.config.url}/add-checkpoint", data=body, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except (OSError, TimeoutError) as error:
            return 0, f"unreachable: {error}"
