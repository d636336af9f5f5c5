"""What one GraphQL request may ask for, checked before any Cypher runs, and how long it may take.

A document over a size limit is refused with QUERY_TOO_COMPLEX, `extensions.limit` naming the
limit (`tokens`, `aliases`, `directives`, `cost`), `value` the document's measure and `maximum`
the configured limit (the `graphql_max_*` settings):

- tokens: graphql-core stops parsing past the limit (Strawberry's MaxTokensLimiter; the error
  is recognised in gql.errors);
- aliases and directives: counted before validation, fragments expanded where they are spread,
  so a document over either gets that one error and is not validated further; otherwise
  validation stops after `graphql_max_errors` errors. Execution errors need no cap of their
  own: there is at most one per field, and the cost bounds the fields;
- cost: the most fields the response can hold, computed with the request's variables before
  execution. A field costs multiplier x (1 + the cost of its sub-selection): 1 for a single
  value, for a list its size argument (SIZE_ARGUMENTS: the value sent, else the argument's
  default), for a connection's `edges` the connection's `first`, and for a list the schema
  does not bound a fixed estimate (`fixed_sizes`). Fragments count where they are spread,
  aliases as the fields they are, @skip/@include are ignored (an upper bound); introspection
  fields cost nothing (their size is the schema's, not the catalogue's).

Each query and mutation has `request_timeout_s` (TIMEOUT after it): an asyncio timeout around
its execution, and its Cypher transactions get what is left as their server-side timeout
(cypher.deadline), so the shards stop the work too. Subscriptions are long-lived and have none.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from functools import _lru_cache_wrapper, lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_input_type,
    type_from_ast,
    validate,
    value_from_ast,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types.graphql import OperationType

from cypher import deadline
from fabric_gql.errors import QueryTooComplex
from fabric_gql.settings import Settings
from gql.resolvers import jobs
from recs.model import Signal
from recs.signals import BECAUSE_MAX

# The arguments that say how long a list is: `first` (pages, alsoBought, boughtWith,
# recommendations), `topK` (similarity lists, searchByImage), `count` (randomProducts).
SIZE_ARGUMENTS = ("first", "topK", "count")
EDGES = "edges"  # a connection's list (see is_connection)
# Strawberry's own rules, which its validation adds to every document.
STRAWBERRY_RULES: tuple[type[ASTValidationRule], ...] = (
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)


def largest_sizes(settings: Settings) -> dict[str, int]:
    """The largest value each size argument takes; the resolvers refuse more (BAD_USER_INPUT),
    so a larger value costs as this much."""
    return {
        "first": settings.max_page_size,
        "topK": settings.max_top_k,
        "count": settings.max_random_count,
    }


def fixed_sizes(settings: Settings) -> dict[str, int]:
    """The lists without a size argument or a connection above them, by schema coordinate.
    tests/test_gql_limits.py checks that every list field of the schema has its size."""
    return {
        "Query.departments": settings.max_page_size,  # the whole table: a page's worth
        "Query.productTypes": settings.max_page_size,
        "Query.jobs": jobs.LIMIT,
        "Job.failures": 20,  # jobs.runner.Progress keeps the first 20
        "Recommendation.reasons": len(Signal),  # one per signal at most
        "Reason.because": BECAUSE_MAX,
    }


def is_list(definition: GraphQLField) -> bool:
    return isinstance(get_nullable_type(definition.type), GraphQLList)


def size_argument(definition: GraphQLField) -> tuple[str, GraphQLArgument] | None:
    for name in SIZE_ARGUMENTS:
        if name in definition.args:
            return name, definition.args[name]
    return None


def is_connection(type_: GraphQLNamedType) -> bool:
    """A page of a longer list: its `edges` are as many as the `first` of the field asking."""
    if not isinstance(type_, GraphQLObjectType):
        return False
    edges = type_.fields.get(EDGES)
    return edges is not None and is_list(edges)


def declared_sizes(schema: GraphQLSchema, fixed: dict[str, int]) -> dict[str, str | None]:
    """Where the cost takes each list field's size from, by coordinate; None if from nowhere."""
    returning: dict[str, list[GraphQLField]] = {}
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLObjectType):
            for definition in type_.fields.values():
                returning.setdefault(get_named_type(definition.type).name, []).append(definition)
    sized_connections = {
        name
        for name, fields in returning.items()
        if is_connection(schema.type_map[name]) and all(size_argument(f) for f in fields)
    }
    declared: dict[str, str | None] = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, definition in type_.fields.items():
            if not is_list(definition):
                continue
            coordinate = f"{type_.name}.{name}"
            if sized := size_argument(definition):
                declared[coordinate] = f"argument {sized[0]}"
            elif name == EDGES and type_.name in sized_connections:
                declared[coordinate] = "the connection's first"
            elif coordinate in fixed:
                declared[coordinate] = f"fixed {fixed[coordinate]}"
            else:
                declared[coordinate] = None
    return declared


def too_complex(limit: str, value: int, maximum: int) -> GraphQLError:
    error = QueryTooComplex(limit, value, maximum)
    return GraphQLError(error.message, original_error=error)


# --- aliases and directives, before validation ---------------------------------------------


def aliases_and_directives(document: DocumentNode) -> tuple[int, int]:
    """Both counted over every operation, each fragment as many times as it is spread. The
    document is not validated yet: unknown fragments and cycles count nothing."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    counted: dict[str, tuple[int, int]] = {}
    entered: set[str] = set()

    def of_fragment(name: str) -> tuple[int, int]:
        if name in counted:
            return counted[name]
        fragment = fragments.get(name)
        if fragment is None or name in entered:
            return 0, 0
        entered.add(name)
        aliases, directives = of_selections(fragment.selection_set)
        counted[name] = (aliases, directives + len(fragment.directives or ()))
        return counted[name]

    def of_selections(selection_set: SelectionSetNode | None) -> tuple[int, int]:
        aliases = directives = 0
        for selection in selection_set.selections if selection_set else ():
            directives += len(selection.directives or ())
            if isinstance(selection, FragmentSpreadNode):
                inner = of_fragment(selection.name.value)
            else:
                assert isinstance(selection, FieldNode | InlineFragmentNode)
                aliases += isinstance(selection, FieldNode) and selection.alias is not None
                inner = of_selections(selection.selection_set)
            aliases, directives = aliases + inner[0], directives + inner[1]
        return aliases, directives

    aliases = directives = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            inner = of_selections(definition.selection_set)
            variables = definition.variable_definitions or ()
            own = len(definition.directives or ()) + sum(len(v.directives or ()) for v in variables)
            aliases, directives = aliases + inner[0], directives + inner[1] + own
    return aliases, directives


Rules = tuple[type[ASTValidationRule], ...]


class DocumentChecks:
    """The alias and directive limits, then validation: both depend on the document alone, so
    their outcome is cached together (LRU)."""

    def __init__(self, settings: Settings) -> None:
        self.max_aliases = settings.graphql_max_aliases
        self.max_directives = settings.graphql_max_directives
        self.max_errors = settings.graphql_max_errors
        cache = lru_cache(maxsize=settings.graphql_cache_size)
        self.errors: _lru_cache_wrapper[list[GraphQLError]] = cache(self._errors)

    def _errors(
        self, schema: GraphQLSchema, document: DocumentNode, rules: Rules
    ) -> list[GraphQLError]:
        aliases, directives = aliases_and_directives(document)
        if aliases > self.max_aliases:
            return [too_complex("aliases", aliases, self.max_aliases)]
        if directives > self.max_directives:
            return [too_complex("directives", directives, self.max_directives)]
        return validate(schema, document, (*rules, *STRAWBERRY_RULES), max_errors=self.max_errors)


class Validation(SchemaExtension):
    """In place of Strawberry's ValidationCache: the same cache, after the size checks."""

    def __init__(self, checks: DocumentChecks) -> None:
        self.checks = checks

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        # The returned list is the cached one: replaced, never appended to, downstream.
        context.pre_execution_errors = self.checks.errors(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        yield


# --- cost, with the request's variables ----------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    largest: dict[str, int]  # largest_sizes
    fixed: dict[str, int]  # fixed_sizes
    fallback: int  # a list nothing declares (the test keeps there being none)

    @classmethod
    def of(cls, settings: Settings) -> Sizes:
        return cls(largest_sizes(settings), fixed_sizes(settings), settings.max_page_size)


@dataclass
class Cost:
    schema: GraphQLSchema
    sizes: Sizes
    variables: dict[str, Any]
    defaults: dict[str, Any]  # the operation's variable defaults
    fragments: dict[str, FragmentDefinitionNode]
    _spread: dict[tuple[str, int | None], int] = field(default_factory=dict)

    def of(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode, edges: int | None
    ) -> int:
        """`edges`: the `first` of the connection whose selection this is, if it is one."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.of_field(parent, selection, edges)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                assert inner is not None
                total += self.of(inner, selection.selection_set, edges)
            else:
                assert isinstance(selection, FragmentSpreadNode)
                total += self.of_fragment(selection.name.value, edges)
        return total

    def of_fragment(self, name: str, edges: int | None) -> int:
        # Once per fragment and connection size: a fragment spread many times is walked once.
        key = (name, edges)
        if key not in self._spread:
            fragment = self.fragments[name]
            condition = self.schema.get_type(fragment.type_condition.name.value)
            assert condition is not None
            self._spread[key] = self.of(condition, fragment.selection_set, edges)
        return self._spread[key]

    def of_field(self, parent: GraphQLNamedType, node: FieldNode, edges: int | None) -> int:
        name = node.name.value
        if name.startswith("__"):
            return 0
        assert isinstance(parent, GraphQLObjectType)
        definition = parent.fields[name]
        returned = get_named_type(definition.type)
        size = self.size(definition, node)
        multiplier, below = 1, None
        if is_list(definition):
            if size is None:
                size = edges if name == EDGES else self.sizes.fixed.get(f"{parent.name}.{name}")
            multiplier = self.sizes.fallback if size is None else size
        elif is_connection(returned):
            below = size
        inner = self.of(returned, node.selection_set, below) if node.selection_set else 0
        return multiplier * (1 + inner)

    def size(self, definition: GraphQLField, node: FieldNode) -> int | None:
        sized = size_argument(definition)
        if sized is None:
            return None
        name, argument = sized
        largest = self.sizes.largest[name]
        value = self.value(node, name, argument.type)
        if value is Undefined or value is None:
            value = argument.default_value
        if isinstance(value, bool) or not isinstance(value, int):
            return largest  # null without a default, or a wrong type execution refuses
        return min(max(value, 0), largest)

    def value(self, node: FieldNode, name: str, type_: GraphQLInputType) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                if isinstance(argument.value, VariableNode):
                    variable = argument.value.name.value
                    return self.variables.get(variable, self.defaults.get(variable, Undefined))
                return value_from_ast(argument.value, type_)
        return Undefined


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    sizes: Sizes,
) -> int | None:
    """The cost of the operation that runs; None when there is none to run (execution says
    why)."""
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation else None
    if operation is None or root is None:
        return None
    defaults: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        type_ = type_from_ast(schema, definition.type)
        if definition.default_value is not None and is_input_type(type_):
            defaults[definition.variable.name.value] = value_from_ast(
                definition.default_value, type_
            )
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    cost = Cost(schema, sizes, variables or {}, defaults, fragments)
    return cost.of(root, operation.selection_set, None)


class CostLimit(SchemaExtension):
    def __init__(self, settings: Settings) -> None:
        self.maximum = settings.graphql_max_cost
        self.sizes = Sizes.of(settings)

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        cost = operation_cost(
            context.schema._schema,
            context.graphql_document,
            context.operation_name,
            context.variables,
            self.sizes,
        )
        if cost is not None and cost > self.maximum:
            # Raised before execution starts: Strawberry answers with this one error.
            raise QueryTooComplex("cost", cost, self.maximum)
        yield


# --- the deadline ----------------------------------------------------------------------------


class Deadline(SchemaExtension):
    def __init__(self, settings: Settings) -> None:
        self.seconds = settings.request_timeout_s

    async def on_execute(self) -> AsyncIterator[None]:
        if self.execution_context.operation_type is OperationType.SUBSCRIPTION:
            yield
            return
        with deadline.within(self.seconds) as due:
            try:
                async with asyncio.timeout(self.seconds) as scope:
                    yield
            except TimeoutError:
                if scope.expired():
                    raise due.expired() from None
                raise
