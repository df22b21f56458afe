"""A UDP name server for dnspython's resolver that reports an answer to another query instead of waiting on.

dnspython's own ``Do53Nameserver`` ignores a UDP answer whose id or question
does not match the query (``ignore_errors=True``) and keeps waiting, so a
server that answers with the wrong id looks exactly like one that never
answers: a ``timeout``, after the whole timeout.  Here such an answer is
dnspython's ``BadResponse``: the resolver drops that server for the lookup
(as for any malformed answer) and the lookup ends in its own outcome,
``mismatch`` -- "could not check", with the evidence of what came back.
Nothing of the mismatched answer is ever used as a record.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import dns.asyncquery
import dns.nameserver

if TYPE_CHECKING:
    import dns.asyncbackend
    import dns.message


class StrictDo53Nameserver(dns.nameserver.Do53Nameserver):
    async def async_query(self, request: dns.message.QueryMessage, timeout: float, source: str | None,
                          source_port: int, max_size: bool, backend: dns.asyncbackend.Backend,
                          one_rr_per_rrset: bool = False, ignore_trailing: bool = False) -> dns.message.Message:
        if max_size:  # over TCP the stream is ours alone: dnspython's own call
            return await super().async_query(request, timeout, source, source_port, max_size, backend,
                                             one_rr_per_rrset, ignore_trailing)
        return await dns.asyncquery.udp(
            request, self.address, timeout=timeout, port=self.port, source=source, source_port=source_port,
            raise_on_truncation=True, backend=backend, one_rr_per_rrset=one_rr_per_rrset,
            ignore_trailing=ignore_trailing, ignore_errors=False, ignore_unexpected=True)
