"""The YAML constructor kpcheck reads with: decimals for floats, limits, refused tags.

Kept apart from :mod:`kpcheck.input.yamlio` so that ruamel.yaml is imported only when a
YAML document is read: a desk check of a JSON file never pays for it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor

from kpcheck.input.limits import MAX_INT_DIGITS


class DecimalConstructor(RoundTripConstructor):
    """Reads YAML floats as :class:`~decimal.Decimal`: carats and dollars without binary loss."""

    def construct_yaml_float(self, node: Any) -> Any:
        text = str(self.construct_scalar(node)).replace("_", "")
        try:
            return Decimal(text)
        except InvalidOperation:
            return super().construct_yaml_float(node)

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        """A date-like scalar that is no real date (2024-13-01) stays text, for the schema to refuse."""
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return str(node.value)

    def construct_yaml_int(self, node: Any) -> Any:
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise ConstructorError(None, None, f"an integer of {digits} digits; at most {MAX_INT_DIGITS} are read", node.start_mark)
        return super().construct_yaml_int(node)

    def refuse_tag(self, node: Any) -> Any:
        """Tags kpcheck does not read (application tags, binary, sets, ordered maps) are refused."""
        tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
        raise ConstructorError(
            None,
            None,
            f"the YAML tag {tag} is not allowed here; write plain mappings, lists, texts, numbers, dates and booleans",
            node.start_mark,
        )


DecimalConstructor.add_constructor("tag:yaml.org,2002:float", DecimalConstructor.construct_yaml_float)
DecimalConstructor.add_constructor("tag:yaml.org,2002:timestamp", DecimalConstructor.construct_yaml_timestamp)
DecimalConstructor.add_constructor("tag:yaml.org,2002:int", DecimalConstructor.construct_yaml_int)
for _tag in ("binary", "set", "omap", "pairs"):
    DecimalConstructor.add_constructor(f"tag:yaml.org,2002:{_tag}", DecimalConstructor.refuse_tag)
DecimalConstructor.add_constructor(None, DecimalConstructor.refuse_tag)
