from cityhall.params import int_param


class IdConverter:
    """``<id:name>``: a database id in a URL. Only numbers a bigint column holds match, so a
    longer one is a 404 rather than an overflow in the query. Registered by CityhallConfig."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int_param(value)
        if number is None:
            raise ValueError(value)  # Django's sign that the route does not match
        return number

    def to_url(self, value) -> str:
        return str(value)
