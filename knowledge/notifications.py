"""(filled in by the knowledge issue's notifications work)"""


def register():
    pass
