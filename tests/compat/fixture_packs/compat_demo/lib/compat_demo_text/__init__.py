"""Text helpers shared by the pack's actions and sensors (a common lib, under lib/)."""


def greeting_line(greeting, name, count):
    return ", ".join(["%s %s" % (greeting, name)] * count)
