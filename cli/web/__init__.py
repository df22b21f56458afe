"""The web front end (``diagnostica serve``): pages for support agents and a JSON API.

A thin layer like the CLI: each endpoint reads its input, makes the same
library calls as the matching command and hands the document to a reporter
or a template.  The knowledge base is loaded once, when the app is built.
"""
