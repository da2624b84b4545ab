"""Deep merge of workflow contexts, as orquesta merges them (nested dicts merge, other values win)."""


def merge(left, right):
    """Return a new dict: `right` merged into `left`; neither argument is modified."""
    merged = dict(left)
    for key, value in right.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = merge(current, value)
        else:
            merged[key] = value
    return merged
