"""The guided consultation: which question to ask next, how answers are read, the session's states."""
