"""A fast SHACL run that gives pySHACL's results: pySHACL's own constraint checks, applied in bulk.

pySHACL validates shape by shape and, through sh:property, sh:node and sh:or, value node by value
node: a full shape evaluation (graph look-ups in rdflib's store, a text description of every
result) for each of the tens of thousands of nodes of a big graph. This engine keeps pySHACL as the
definition of every check and changes only how they are fed:

- shapes are read by pySHACL (its ShapesGraph and constraint components, so a malformed shape is
  the same error), and each component's own ``evaluate`` runs once per shape over all its focus
  nodes, on dictionary indexes of the data instead of rdflib's store;
- a result is a small record (``Found``); the description text pySHACL writes for each result is
  never built, and messages are pySHACL's (the shape's sh:message, else the component's own);
- sh:property, sh:node and sh:or are evaluated here, for all value nodes at once, with pySHACL's
  semantics (a property shape's results are reported per parent shape; a value fails sh:node if
  the node shape gives it any result, sh:or if every member does);
- a SPARQL-based constraint runs once on Oxigraph for all focus nodes when its query is
  separable by $this (see ``sparql_bulk_safe``), else once per focus node with $this substituted.

What it does not know (other components, complex paths, severities other than sh:Violation,
deactivated shapes, ...) raises ``Unsupported`` and the caller validates those shapes with pySHACL.
A differential test (tests/test_shacl_engine.py) holds the results equal to pySHACL's.

Why not pySHACL's public API alone: ``pyshacl.validate`` and ``pyshacl.Validator`` have no bulk
mode, and every stock configuration measured (in place, on oxrdflib's Oxigraph store, on a
pyoxigraph Store, SPARQL mode, a reused Validator) is at least 6 times slower than this at 10k
quads, or fails, and none nears the 5 s target at 100k. Each part here (bulk components, sh:node,
sh:or, SPARQL on Oxigraph, the bulk SPARQL run) is kept because validation measured slower with it
switched off (docs/validation.md, "Performance"; bench/validate_parts.py). This is why it imports
constraint-component classes from ``pyshacl.constraints.*`` (importable, not documented) and
calls their ``evaluate``, and what pins pySHACL to 0.40.x.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from pyshacl.constraints.core.cardinality_constraints import (
    MaxCountConstraintComponent,
    MinCountConstraintComponent,
)
from pyshacl.constraints.core.logical_constraints import OrConstraintComponent
from pyshacl.constraints.core.other_constraints import HasValueConstraintComponent, InConstraintComponent
from pyshacl.constraints.core.shape_based_constraints import (
    NodeConstraintComponent,
    PropertyConstraintComponent,
)
from pyshacl.constraints.core.string_based_constraints import (
    LanguageInConstraintComponent,
    PatternConstraintComponent,
    UniqueLangConstraintComponent,
)
from pyshacl.constraints.core.value_constraints import (
    ClassConstraintComponent,
    DatatypeConstraintComponent,
    NodeKindConstraintComponent,
)
from pyshacl.constraints.core.value_range_constraints import MinInclusiveConstraintComponent
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.errors import ReportableRuntimeError
from pyshacl import Shape, ShapesGraph
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from kzgraph.terms import from_ox_term, to_ox_term

__all__ = ["Engine", "Found", "Index", "Unsupported", "sparql_bulk_safe"]

MAX_DEPTH = 15  # pySHACL's max_validation_depth


class Unsupported(Exception):
    """A shape uses something this engine does not evaluate; pySHACL must validate it."""


@dataclass(frozen=True)
class Found:
    """One validation result, as pySHACL's make_v_result would have described it."""

    focus: Any
    value: Any
    path: Any
    shape: Any
    component: URIRef
    severity: URIRef
    messages: tuple[str, ...]
    source_constraint: Any = None


class Index:
    """The data graph as dictionaries, with the part of rdflib's Graph API pySHACL's checks use."""

    def __init__(self, triples: Iterable[tuple[Any, Any, Any]], names: Graph) -> None:
        self.out: dict[Any, dict[Any, set]] = {}
        self.by_predicate: dict[Any, list[tuple[Any, Any]]] = {}
        for s, p, o in triples:
            objects = self.out.setdefault(s, {}).setdefault(p, set())
            if o not in objects:
                objects.add(o)
                self.by_predicate.setdefault(p, []).append((s, o))
        self._inverse: dict[Any, dict[Any, set]] = {}
        self.namespace_manager = names.namespace_manager
        self.names = names

    def __len__(self) -> int:
        return sum(len(pairs) for pairs in self.by_predicate.values())

    def triples(self) -> Iterable[tuple[Any, Any, Any]]:
        for p, pairs in self.by_predicate.items():
            for s, o in pairs:
                yield s, p, o

    def describe(self, node: Any) -> list[tuple[Any, Any, Any]]:
        """A blank node's triples and those of the blank nodes they reach: its description in a
        report (pySHACL copies a blank value node the same way)."""
        triples, todo, seen = [], [node], {node}
        while todo:
            current = todo.pop()
            for predicate, objects in self.out.get(current, {}).items():
                for o in objects:
                    triples.append((current, predicate, o))
                    if isinstance(o, BNode) and o not in seen:
                        seen.add(o)
                        todo.append(o)
        return triples

    def values(self, node: Any, predicate: Any) -> set:
        return self.out.get(node, {}).get(predicate, set())

    def objects(self, subject: Any = None, predicate: Any = None, unique: bool = False) -> Iterable:
        if subject is None:
            raise Unsupported("objects() of every subject")
        if predicate is None:
            return [o for objects in self.out.get(subject, {}).values() for o in objects]
        return iter(self.values(subject, predicate))

    def subjects(self, predicate: Any = None, obj: Any = None, unique: bool = False) -> Iterable:
        if predicate is None or obj is None:
            raise Unsupported("subjects() of every predicate or object")
        return iter(self.inverse(predicate).get(obj, ()))

    def inverse(self, predicate: Any) -> dict[Any, set]:
        if predicate not in self._inverse:
            inverse: dict[Any, set] = {}
            for s, o in self.by_predicate.get(predicate, ()):
                inverse.setdefault(o, set()).add(s)
            self._inverse[predicate] = inverse
        return self._inverse[predicate]

    def transitive_objects(self, subject: Any, predicate: Any, remember: Any = None) -> Iterable:
        return _closure(subject, lambda node: self.values(node, predicate))

    def transitive_subjects(self, predicate: Any, obj: Any, remember: Any = None) -> Iterable:
        inverse = self.inverse(predicate)
        return _closure(obj, lambda node: inverse.get(node, ()))

    def __getattr__(self, name: str) -> Any:
        # a check that reads the graph some other way is one this engine does not run
        raise Unsupported(f"the data graph's {name}()")


def _closure(start: Any, step: Callable[[Any], Iterable]) -> list:
    """``start`` and every node reachable by ``step``, in rdflib's transitive_* order."""
    seen, order, todo = {start}, [start], [start]
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                todo.append(nxt)
    return order


# Components whose own pySHACL ``evaluate`` runs here: each reads only the value nodes, the
# component's parameters and (sh:class) rdf:type / rdfs:subClassOf links. Exactly those kzgraph's
# shapes use: a shape with another one (sh:minLength, sh:maxInclusive, ...) is pySHACL's.
DELEGATED = (
    MinCountConstraintComponent, MaxCountConstraintComponent, DatatypeConstraintComponent,
    ClassConstraintComponent, NodeKindConstraintComponent, InConstraintComponent,
    HasValueConstraintComponent, PatternConstraintComponent, LanguageInConstraintComponent,
    UniqueLangConstraintComponent, MinInclusiveConstraintComponent,
)
_OWN = (PropertyConstraintComponent, NodeConstraintComponent, OrConstraintComponent,
        SPARQLBasedConstraint)


def _record(component: Any, datagraph: Any, focus_node: Any, value_node: Any = None,
            result_path: Any = None, constraint_component: Any = None,
            source_constraint: Any = None, extra_messages: Any = None,
            bound_vars: Any = None) -> tuple:
    """Stands in for ConstraintComponent.make_v_result: the arguments, for ``Engine._found``."""
    return (component, focus_node, value_node, result_path, constraint_component,
            source_constraint, extra_messages, bound_vars)


_LIGHT: dict[type, type] = {}


def _light(cls: type) -> type:
    """The component class with make_v_result replaced by ``_record``."""
    if cls not in _LIGHT:
        _LIGHT[cls] = type(cls.__name__, (cls,), {
            "__slots__": (),
            "make_v_result": lambda self, datagraph, focus_node, **kw: _record(
                self, datagraph, focus_node, **kw),
        })
    return _LIGHT[cls]


class _Executor:
    """What pySHACL's components read of their executor."""

    sparql_mode = False
    debug = False
    abort_on_first = False
    allow_infos = False
    allow_warnings = True
    focus_nodes = None
    max_validation_depth = MAX_DEPTH


@dataclass
class Engine:
    shapes: ShapesGraph
    data: Index
    store: Callable[[], ox.Store]
    _components: dict = field(default_factory=dict)
    _store: ox.Store | None = None
    _algebra: dict = field(default_factory=dict)

    # --- top level ------------------------------------------------------------------------

    def top_level(self) -> list[Shape]:
        return list(self.shapes.shapes)

    def validate_shape(self, shape: Shape) -> list[Found]:
        """Every result of one top-level shape on its targets (``Unsupported`` if it cannot)."""
        return self._results(shape, self.focus_nodes(shape), 0)

    def focus_nodes(self, shape: Shape) -> set:
        """pySHACL's Shape.focus_nodes without SHACL-AF: node, class, subjects-of, objects-of."""
        nodes_, classes, implicit, objects_of, subjects_of = shape.target()
        found = set(nodes_)
        for target_class in set(classes) | set(implicit):
            for cls in self.data.transitive_subjects(RDFS.subClassOf, target_class):
                found.update(self.data.inverse(RDF.type).get(cls, ()))
        for predicate in subjects_of:
            found.update(s for s, _ in self.data.by_predicate.get(predicate, ()))
        for predicate in objects_of:
            found.update(o for _, o in self.data.by_predicate.get(predicate, ()))
        return found

    # --- one shape on a set of focus nodes -----------------------------------------------

    def _results(self, shape: Shape, focus: Iterable, depth: int) -> list[Found]:
        if depth > MAX_DEPTH:
            raise ReportableRuntimeError("Validation path too deep!")
        focus = list(focus)
        if not focus:
            return []
        if shape.deactivated or shape.severity != SH.Violation:
            raise Unsupported(f"shape {shape.node}: deactivated or not a sh:Violation")
        value_nodes = self._value_nodes(shape, focus)
        found: list[Found] = []
        for component in self._components_of(shape):
            if isinstance(component, DELEGATED):
                _, records = component.evaluate(_Executor, self.data, value_nodes, [])
                found += [self._found(*record) for record in records]
            elif isinstance(component, PropertyConstraintComponent):
                found += self._property(component, value_nodes, depth)
            elif isinstance(component, NodeConstraintComponent):
                found += self._node(component, value_nodes, depth)
            elif isinstance(component, OrConstraintComponent):
                found += self._or(component, value_nodes, depth)
            else:
                found += self._sparql(component, value_nodes)
        return found

    def _value_nodes(self, shape: Shape, focus: list) -> dict:
        if not shape.is_property_shape:
            return {f: {f} for f in focus}
        path = shape.path()
        if not isinstance(path, URIRef):
            raise Unsupported(f"shape {shape.node}: a path that is not one predicate")
        return {f: self.data.values(f, path) for f in focus}

    def _components_of(self, shape: Shape) -> list:
        """The shape's constraint components as Shape.validate makes them (one per kind)."""
        if shape.node not in self._components:
            from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
            made, kinds = [], []
            for parameter, _ in self.shapes.predicate_objects(shape.node):
                if parameter not in ALL_CONSTRAINT_PARAMETERS:
                    continue
                kind = CONSTRAINT_PARAMETERS_MAP[parameter]
                if kind in kinds:
                    continue
                kinds.append(kind)
                if not issubclass(kind, DELEGATED + _OWN):
                    raise Unsupported(f"shape {shape.node}: {kind.__name__}")
                made.append(_light(kind)(shape))
            if shape.find_custom_constraints():
                raise Unsupported(f"shape {shape.node}: a custom constraint component")
            self._components[shape.node] = made
        return self._components[shape.node]

    def _other(self, component: Any, node: Any) -> Shape:
        shape = component.shape.get_other_shape(node)
        if shape is None:
            raise ReportableRuntimeError(f"SHACL Shape not found: '{node}' is not defined.")
        return shape

    def _property(self, component: Any, value_nodes: dict, depth: int) -> list[Found]:
        values = [v for vs in value_nodes.values() for v in vs]
        found: list[Found] = []
        for node in component.property_shapes:
            shape = self._other(component, node)
            if not shape.is_property_shape:
                raise ReportableRuntimeError(f"'{node}' is not a well-formed SHACL PropertyShape.")
            # pySHACL validates the property shape once per value node: a node reached twice
            # gets its results twice
            found += self._results(shape, values, depth + 1)
        return found

    def _failing(self, shape: Shape, values: set, depth: int) -> set:
        """The values that get any result from ``shape``."""
        return {r.focus for r in self._results(shape, values, depth + 1)}

    def _node(self, component: Any, value_nodes: dict, depth: int) -> list[Found]:
        values = {v for vs in value_nodes.values() for v in vs}
        found: list[Found] = []
        for node in component.node_shapes:
            shape = self._other(component, node)
            if shape.is_property_shape:
                raise ReportableRuntimeError("Shape pointed to by sh:node is not a NodeShape.")
            failing = self._failing(shape, values, depth)
            found += [self._found(component, f, v) for f, vs in value_nodes.items()
                      for v in vs if v in failing]
        return found

    def _or(self, component: Any, value_nodes: dict, depth: int) -> list[Found]:
        values = {v for vs in value_nodes.values() for v in vs}
        found: list[Found] = []
        for members in component.or_list:
            failing = set(values)
            for node in self.shapes.graph.items(members):
                if failing:
                    failing &= self._failing(self._other(component, node), failing, depth)
            found += [self._found(component, f, v) for f, vs in value_nodes.items()
                      for v in vs if v in failing]
        return found

    # --- SPARQL-based constraints --------------------------------------------------------

    def _sparql(self, component: Any, value_nodes: dict) -> list[Found]:
        found: list[Found] = []
        shape = component.shape
        for helper in component.sparql_constraints:
            if helper.deactivated:
                continue
            focus = list(value_nodes)
            bindings, text = helper.pre_bind_variables(focus[0])
            if set(bindings) - {"this", "currentShape"}:
                raise Unsupported(f"shape {shape.node}: SPARQL bindings {sorted(bindings)}")
            text = helper.apply_prefixes(text)
            fixed = {k: v for k, v in bindings.items() if k != "this"}
            rows: dict[Any, list[dict]] = {f: [] for f in focus}
            if "this" in bindings and sparql_bulk_safe(self._parsed(text)):
                for row in self._query(text, fixed):
                    if row.get("this") in rows:
                        rows[row["this"]].append(row)
            else:
                for f in focus:
                    this = {"this": f} if "this" in bindings else {}
                    rows[f] = self._query(text, {**fixed, **this})
            for f in focus:
                found += self._sparql_results(component, helper, f, rows[f])
        return found

    def _parsed(self, text: str) -> Any:
        """rdflib's reading of the query: a query it cannot parse is pySHACL's error."""
        if text not in self._algebra:
            self._algebra[text] = prepareQuery(
                text, initNs={p: ns for p, ns in self.data.names.namespaces()}).algebra
        return self._algebra[text]

    def _query(self, text: str, bindings: dict) -> list[dict]:
        self._parsed(text)
        if self._store is None:
            self._store = self.store()
        prefixes = {p: str(ns) for p, ns in self.data.names.namespaces() if p}
        substitutions = {ox.Variable(k): to_ox_term(v) for k, v in bindings.items()}
        try:
            solutions = self._store.query(text, prefixes=prefixes, substitutions=substitutions)
        except SyntaxError as error:  # rdflib reads it, Oxigraph does not: pySHACL runs it
            raise Unsupported(f"a query Oxigraph cannot read: {error}") from None
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = _to_rdflib(term)
            # rdflib reports a substituted variable the query projects
            for k, v in bindings.items():
                if k in names:
                    row.setdefault(k, v)
            rows.append(row)
        return rows

    def _sparql_results(self, component: Any, helper: Any, focus: Any,
                        rows: list[dict]) -> list[Found]:
        """pySHACL's _validate_sparql_query and _evaluate_sparql_constraint on the rows."""
        violations: list = []
        failed = False
        for var_dict in rows:
            var_dict = dict(var_dict)
            if var_dict.pop("failure", None) is not None:
                if not failed:
                    violations.append((True, var_dict))
                    failed = True
                continue
            p, v, t = var_dict.pop("path", None), var_dict.pop("value", None), var_dict.pop("this", None)
            if (p is not None or v is not None or t is not None) and (t, p, v, var_dict) not in violations:
                violations.append((t, p, v, var_dict))
        result_val = None if component.shape.is_property_shape else focus
        kwargs = {"source_constraint": helper.node, "extra_messages": helper.messages or None}
        found = []
        for violation in violations:
            if violation[0] is True:
                found.append(self._found(component, focus, result_val, bound_vars=violation[1],
                                         **kwargs))
                continue
            t, p, v, var_dict = violation
            v = result_val if v is None else v
            named = {k: term for k, term in (("this", t), ("path", p), ("value", v)) if term is not None}
            found.append(self._found(component, t or focus, v, result_path=p,
                                     bound_vars={**var_dict, **named}, **kwargs))
        return found

    # --- one result ----------------------------------------------------------------------

    def _found(self, component: Any, focus: Any, value: Any = None, result_path: Any = None,
               constraint_component: Any = None, source_constraint: Any = None,
               extra_messages: Any = None, bound_vars: Any = None) -> Found:
        """The result make_v_result would have made: same path, component and messages."""
        shape = component.shape
        if result_path is None and shape.is_property_shape:
            result_path = shape.path()
        own = list(shape.message)
        messages: list[str] = []
        if extra_messages:
            for m in extra_messages:
                if m not in own:
                    messages.append(_message(m, bound_vars))
        elif not own:
            own = component.make_generic_messages(self.data.names, focus, value) or own
        messages += [_message(m, bound_vars) for m in own]
        return Found(focus=focus, value=value, path=result_path, shape=shape.node,
                     component=constraint_component or component.shacl_constraint_component,
                     severity=shape.severity, messages=tuple(messages),
                     source_constraint=source_constraint)


_TEMPLATE_VARIABLE = re.compile(r"\{[?$](\w+)\}")


def _message(message: Any, bindings: dict | None) -> str:
    """The message text; a SPARQL-based result's sh:message with each {?var} / {$var} replaced by
    the solution's value of var (SHACL 5.3.2), as pySHACL writes it (the term's str)."""
    text = str(message.value) if isinstance(message, Literal) else str(message)
    if isinstance(message, Literal) and bindings is not None:
        text = _TEMPLATE_VARIABLE.sub(
            lambda m: str(bindings[m.group(1)]) if m.group(1) in bindings else m.group(0), text)
    return text


# --- SPARQL helpers ----------------------------------------------------------------------

_SAFE_NODES = {"SelectQuery", "Project", "Distinct", "Reduced", "Filter", "Join", "LeftJoin",
               "BGP", "Extend", "Group", "AggregateJoin", "OrderBy", "TrueFilter"}


def sparql_bulk_safe(algebra: Any) -> bool:
    """Whether running a query (rdflib's algebra of it) once with $this unbound, then keeping the solutions of each focus
    node, gives exactly the solutions of running it per focus node with $this pre-bound.

    True when $this is projected and matched by a triple pattern every solution needs (not only
    under OPTIONAL), the query uses only patterns, joins, OPTIONAL, FILTER without EXISTS, BIND,
    ORDER BY and grouping, and any grouping is by $this (so each group holds one focus node's
    solutions). Anything else (subqueries, UNION, MINUS, VALUES, GRAPH, LIMIT, …) is run per node.
    """
    this = Variable("this")
    if this not in (algebra.get("PV") or []):
        return False
    state = {"required": False, "grouped": None, "aggregates": False}
    if not _walk(algebra, this, True, state):
        return False
    if state["aggregates"] and not state["grouped"]:
        return False
    return state["required"]


def _walk(node: Any, this: Variable, required: bool, state: dict) -> bool:
    if isinstance(node, CompValue):
        name = node.name
        if name.startswith("Builtin_") and "EXISTS" in name:
            return False
        if name == "Group":
            exprs = node.get("expr") or []
            state["grouped"] = this in exprs
            if not state["grouped"]:
                return False
        if name == "AggregateJoin":
            state["aggregates"] = True
        if name == "BGP" and required:
            if any(this in triple for triple in node.get("triples") or []):
                state["required"] = True
        if name in _SAFE_NODES or name.startswith(("Builtin_", "Aggregate_")) or name.endswith(
                "Expression") or name in {"RelationalExpression", "ConditionalAndExpression",
                                          "ConditionalOrExpression", "UnaryNot", "Function"}:
            for key, value in node.items():
                inner_required = required and not (name == "LeftJoin" and key == "p2")
                if not _walk(value, this, inner_required, state):
                    return False
            return True
        return False
    if isinstance(node, (list, tuple)):
        return all(_walk(item, this, required, state) for item in node)
    if isinstance(node, dict):
        return all(_walk(v, this, required, state) for v in node.values())
    return True


def _to_rdflib(term: Any) -> Any:
    if not isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        raise Unsupported(f"a SPARQL result of kind {type(term).__name__}")
    return from_ox_term(term)
