"""One file → frames: locate the sections, key the tables by label, repair what identities prove,
check, read the title and places. :mod:`nianbao.parse.report` strings the steps together.

Importing this package loads nothing; ``nianbao.parse.report`` pulls in the parser stack.
"""
