"""Reading a store whose rows have increasing ids a page at a time (announcements, output)."""


def all_after(store, position):
    """(every row of STORE newer than POSITION, oldest first; the new position: the last row's
    id, or POSITION when there is none). STORE.after(id) gives one page of rows."""
    rows = []
    page = store.after(position)
    while page:
        position = page[-1]["id"]
        rows += page
        page = store.after(position)
    return rows, position
