"""Local stand-ins for the services Replywatch talks to: real HTTP servers on 127.0.0.1."""
