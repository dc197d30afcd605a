"""Execution of parsed trees against a data value, following Go 1.19's ``text/template/exec.go``.

Templates run with Alertmanager's ``missingkey=zero`` option: a missing map key yields the zero
value of the map's element type (``""`` for labels), not ``<no value>``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tocsin.notify.template import nodes as n
from tocsin.notify.template.errors import TemplateError
from tocsin.notify.template.functions import BUILTINS, is_true, zero_value
from tocsin.notify.template.gofmt import Flags, fmt_value, go_quote
from tocsin.notify.template.gotime import Duration
from tocsin.notify.template.gotypes import (
    ANY,
    HTML,
    REFLECT_VALUE,
    GoCallError,
    GoFunc,
    GoStruct,
    assignable,
    elem_type,
    go_type_of,
    kind,
)
from tocsin.notify.template.parser import Tree

MAX_DEPTH = 100_000  # what Go reports; Python's stack gives out earlier, see _DEPTH_LIMIT
_DEPTH_LIMIT = 120
_PLAIN = Flags()


class _Missing:
    __slots__ = ()


MISSING: Any = _Missing()


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


# A writer receives each piece of output; ``escape`` (html mode) gets the value to print and the
# node, and returns the text to write.
Writer = Callable[[str], None]


class State:
    __slots__ = ("depth", "escaper", "funcs", "name", "node", "templates", "vars", "write")

    def __init__(
        self,
        name: str,
        templates: Mapping[str, Tree],
        funcs: Mapping[str, GoFunc],
        write: Writer,
        escaper: Any = None,
    ) -> None:
        self.name = name
        self.templates = templates
        self.funcs = funcs
        self.write = write
        self.escaper = escaper
        self.node: n.Node | None = None
        self.vars: list[list[Any]] = []
        self.depth = 0

    # -- errors ------------------------------------------------------------------------------------
    def error(self, msg: str) -> TemplateError:
        if self.node is None:
            return TemplateError(f"template: {self.name}: {msg}")
        loc, ctx = self.node.tree.error_context(self.node) if isinstance(self.node.tree, Tree) else ("", "")
        return TemplateError(f"template: {loc}: executing {go_quote(self.name)} at <{ctx}>: {msg}")

    # -- variables ---------------------------------------------------------------------------------
    def var_value(self, name: str) -> Any:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                return self.vars[i][1]
        raise self.error(f"undefined variable: {name}")

    def set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i][1] = value
                return
        raise self.error(f"undefined variable: {name}")

    # -- walking -----------------------------------------------------------------------------------
    def walk(self, dot: Any, node: n.Node) -> None:
        self.node = node
        if isinstance(node, n.ListNode):
            for c in node.nodes:
                self.walk(dot, c)
        elif isinstance(node, n.TextNode):
            if self.escaper is not None:
                self.write(self.escaper.text(node.text))
            else:
                self.write(node.text)
        elif isinstance(node, n.ActionNode):
            assert node.pipe is not None
            if self.escaper is not None and not node.pipe.decl:
                self.walk_html_action(dot, node, node.pipe)
                return
            val = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.print_value(node, val)
        elif isinstance(node, n.IfNode | n.WithNode):
            self.walk_if_or_with(isinstance(node, n.WithNode), dot, node)
        elif isinstance(node, n.RangeNode):
            self.walk_range(dot, node)
        elif isinstance(node, n.TemplateNode):
            self.walk_template(dot, node)
        elif isinstance(node, n.BreakNode):
            raise _Break
        elif isinstance(node, n.ContinueNode):
            raise _Continue
        elif isinstance(node, n.CommentNode):
            pass
        else:
            raise self.error(f"unknown node: {node}")

    def walk_html_action(self, dot: Any, node: n.ActionNode, pipe: n.PipeNode) -> None:
        """Print an action in HTML mode, honouring a trailing ``html``/``urlquery`` as Go does."""
        from tocsin.notify.template.functions import eval_args
        from tocsin.notify.template.htmlescape import has_equivalent, nudge

        predefined = None
        for pos, cmd in enumerate(pipe.cmds):
            first = cmd.args[0]
            if isinstance(first, n.IdentifierNode) and first.ident in ("html", "urlquery"):
                if pos < len(pipe.cmds) - 1:
                    self.node = node
                    raise self.error(f"predefined escaper {go_quote(first.ident)} disallowed in template")
                predefined = first.ident
        if predefined is not None:
            nudge(self.escaper)
        if predefined is not None and has_equivalent(predefined, self.escaper.escapers()):
            last = pipe.cmds[-1]
            if len(pipe.cmds) == 1:
                val = eval_args(tuple(self.eval_arg(dot, ANY, a) for a in last.args[1:]))
            else:
                trimmed = n.PipeNode(pipe.tree, pipe.pos, pipe.line, False, [], pipe.cmds[:-1])
                val = self.eval_pipeline(dot, trimmed)
            self.node = node
            self.write(self.escaper.value(val, predefined))
            return
        val = self.eval_pipeline(dot, pipe)
        self.print_value(node, val)

    def walk_if_or_with(self, is_with: bool, dot: Any, node: n.BranchNode) -> None:
        mark = len(self.vars)
        try:
            assert node.pipe is not None and node.list is not None
            val = self.eval_pipeline(dot, node.pipe)
            truth, ok = is_true(val)
            if not ok:
                raise self.error(f"if/with can't use {fmt_value(val, 'v', _PLAIN, 0)}")
            if truth:
                self.walk(val if is_with else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            del self.vars[mark:]

    def walk_range(self, dot: Any, r: n.RangeNode) -> None:
        self.node = r
        mark0 = len(self.vars)
        assert r.pipe is not None and r.list is not None
        try:
            val = self.eval_pipeline(dot, r.pipe)
            mark = len(self.vars)
            ndecl = len(r.pipe.decl)

            def one(index: Any, elem: Any) -> None:
                if ndecl > 0:
                    self.vars[-1][1] = elem
                if ndecl > 1:
                    self.vars[-2][1] = index
                try:
                    self.walk(elem, r.list)  # type: ignore[arg-type]
                except _Continue:
                    pass
                finally:
                    del self.vars[mark:]

            k = kind(go_type_of(val))
            if k == "slice" and isinstance(val, list):
                if val:
                    for i, e in enumerate(list(val)):
                        one(i, e)
                    return
            elif k == "map" and isinstance(val, dict):
                if val:
                    for key in sorted(val, key=lambda x: x.encode() if isinstance(x, str) else x):
                        one(key, val[key])
                    return
            elif val is None:
                pass
            else:
                raise self.error(f"range can't iterate over {fmt_value(val, 'v', _PLAIN, 0)}")
            if r.else_list is not None:
                self.walk(dot, r.else_list)
        except _Break:
            pass
        finally:
            del self.vars[mark0:]

    def walk_template(self, dot: Any, t: n.TemplateNode) -> None:
        self.node = t
        tree = self.templates.get(t.name)
        if tree is None or tree.root is None:
            raise self.error(f"template {go_quote(t.name)} not defined")
        if self.depth >= _DEPTH_LIMIT:
            raise self.error(f"exceeded maximum template depth ({MAX_DEPTH})")
        dot = self.eval_pipeline(dot, t.pipe)
        sub = State(tree.name, self.templates, self.funcs, self.write, self.escaper)
        sub.depth = self.depth + 1
        sub.vars = [["$", dot]]
        if self.escaper is not None:
            self.escaper.enter_template(tree.name)
        sub.walk(dot, tree.root)

    # -- pipelines -----------------------------------------------------------------------------------
    def eval_pipeline(self, dot: Any, pipe: n.PipeNode | None) -> Any:
        if pipe is None:
            return None
        self.node = pipe
        value = MISSING
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
        for v in pipe.decl:
            if pipe.is_assign:
                self.set_var(v.ident[0], value)
            else:
                self.vars.append([v.ident[0], value])
        return value

    def not_a_function(self, args: list[n.Node], final: Any) -> None:
        if len(args) > 1 or final is not MISSING:
            raise self.error(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: Any, cmd: n.CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        if isinstance(first, n.FieldNode):
            self.node = first
            return self.eval_field_chain(dot, dot, first, first.ident, cmd.args, final)
        if isinstance(first, n.ChainNode):
            return self.eval_chain(dot, first, cmd.args, final)
        if isinstance(first, n.IdentifierNode):
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if isinstance(first, n.PipeNode):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, n.VariableNode):
            return self.eval_variable(dot, first, cmd.args, final)
        self.node = first
        self.not_a_function(cmd.args, final)
        if isinstance(first, n.BoolNode):
            return first.value
        if isinstance(first, n.DotNode):
            return dot
        if isinstance(first, n.NilNode):
            raise self.error("nil is not a command")
        if isinstance(first, n.NumberNode):
            return self.ideal_constant(first)
        if isinstance(first, n.StringNode):
            return first.text
        raise self.error(f"can't evaluate command {go_quote(str(first))}")

    def ideal_constant(self, c: n.NumberNode) -> Any:
        self.node = c
        text = c.text
        is_hex_int = len(text) > 2 and text[0] == "0" and text[1] in "xX" and not any(x in text for x in "pP")
        if c.is_complex:
            return c.complex_val
        if c.is_float and not is_hex_int and not text.startswith("'") and any(x in text for x in ".eEpP"):
            return c.float_val
        if c.is_int:
            return c.int_val
        if c.is_uint:
            raise self.error(f"{text} overflows int")
        return None

    def eval_chain(self, dot: Any, chain: n.ChainNode, args: list[n.Node], final: Any) -> Any:
        self.node = chain
        if isinstance(chain.node, n.NilNode):
            raise self.error(f"indirection through explicit nil in {chain}")
        assert chain.node is not None
        pipe = self.eval_arg(dot, None, chain.node)
        return self.eval_field_chain(dot, pipe, chain, chain.fields, args, final)

    def eval_variable(self, dot: Any, v: n.VariableNode, args: list[n.Node] | None, final: Any) -> Any:
        self.node = v
        value = self.var_value(v.ident[0])
        if len(v.ident) == 1:
            self.not_a_function(args or [v], final)
            return value
        return self.eval_field_chain(dot, value, v, v.ident[1:], args, final)

    def eval_field_chain(
        self, dot: Any, receiver: Any, node: n.Node, ident: list[str], args: list[n.Node] | None, final: Any
    ) -> Any:
        for name in ident[:-1]:
            receiver = self.eval_field(dot, name, node, None, MISSING, receiver)
        return self.eval_field(dot, ident[-1], node, args, final, receiver)

    def eval_function(
        self, dot: Any, node: n.IdentifierNode, cmd: n.Node, args: list[n.Node] | None, final: Any
    ) -> Any:
        self.node = node
        fn = self.funcs.get(node.ident)
        builtin = False
        if fn is None:
            fn = BUILTINS.get(node.ident)
            builtin = True
        if fn is None:
            raise self.error(f"{go_quote(node.ident)} is not a defined function")
        return self.eval_call(dot, fn, builtin, cmd, node.ident, args, final)

    def eval_field(
        self, dot: Any, name: str, node: n.Node, args: list[n.Node] | None, final: Any, receiver: Any
    ) -> Any:
        if receiver is None:
            return None
        typ = go_type_of(receiver)
        getm = getattr(receiver, "go_method", None)
        if getm is not None:
            method = getm(name)
            if method is not None:
                return self.eval_call(dot, method, False, node, name, args, final)
        has_args = (args is not None and len(args) > 1) or final is not MISSING
        if isinstance(receiver, GoStruct):
            if name in receiver.go_fields:
                if has_args:
                    raise self.error(f"{name} has arguments but cannot be invoked as function")
                return receiver.go_field(name)
        elif isinstance(receiver, dict) and kind(typ) == "map":
            if has_args:
                raise self.error(f"{name} is not a method but has arguments")
            if name in receiver:
                return receiver[name]
            assert typ is not None
            return zero_value(elem_type(typ))
        raise self.error(f"can't evaluate field {name} in type {typ}")

    def eval_call(
        self,
        dot: Any,
        fn: GoFunc,
        is_builtin: bool,
        node: n.Node,
        name: str,
        args: list[n.Node] | None,
        final: Any,
    ) -> Any:
        argn = args[1:] if args else []
        num_in = len(argn) + (0 if final is MISSING else 1)
        params = fn.params
        num_fixed = len(argn)
        if fn.variadic:
            num_fixed = len(params) - 1
            if num_in < num_fixed:
                raise self.error(f"wrong number of args for {name}: want at least {len(params) - 1} got {len(argn)}")
        elif num_in != len(params):
            raise self.error(f"wrong number of args for {name}: want {len(params)} got {num_in}")
        if is_builtin and name in ("and", "or"):
            v: Any = None
            for a in argn:
                v = self.eval_arg(dot, REFLECT_VALUE, a)
                if is_true(v)[0] == (name == "or"):
                    return v
            if final is not MISSING:
                v = self.validate_type(final, REFLECT_VALUE)
            return v
        argv: list[Any] = []
        i = 0
        while i < num_fixed and i < len(argn):
            argv.append(self.eval_arg(dot, params[i], argn[i]))
            i += 1
        if fn.variadic:
            et = params[-1][2:]
            while i < len(argn):
                argv.append(self.eval_arg(dot, et, argn[i]))
                i += 1
        if final is not MISSING:
            t = params[-1]
            if fn.variadic:
                t = params[num_in - 1] if num_in - 1 < num_fixed else t[2:]
            argv.append(self.validate_type(final, t))
        try:
            return fn.impl(*argv)
        except GoCallError as e:
            self.node = node
            raise self.error(f"error calling {name}: {e}") from None
        except TemplateError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError) as e:
            self.node = node
            raise self.error(f"error calling {name}: {e}") from None

    def validate_type(self, value: Any, typ: str | None) -> Any:
        if value is None:
            if typ is None:
                return None
            if typ in (ANY, REFLECT_VALUE) or kind(typ) in ("slice", "map", "ptr", "func", "interface"):
                return zero_value(typ) if kind(typ) in ("slice", "map") else None
            raise self.error(f"invalid value; expected {typ}")
        if typ is None or typ in (ANY, REFLECT_VALUE):
            return value
        vt = go_type_of(value)
        assert vt is not None
        if not assignable(vt, typ):
            raise self.error(f"wrong type for value; expected {typ}; got {vt}")
        return value

    def eval_arg(self, dot: Any, typ: str | None, node: n.Node) -> Any:
        self.node = node
        if isinstance(node, n.DotNode):
            return self.validate_type(dot, typ)
        if isinstance(node, n.NilNode):
            if typ in (ANY, REFLECT_VALUE) or kind(typ) in ("slice", "map", "ptr", "func", "interface"):
                return zero_value(typ) if typ is not None and kind(typ) in ("slice", "map") else None
            raise self.error(f"cannot assign nil to {typ}")
        if isinstance(node, n.FieldNode):
            self.node = node
            return self.validate_type(self.eval_field_chain(dot, dot, node, node.ident, [node], MISSING), typ)
        if isinstance(node, n.VariableNode):
            return self.validate_type(self.eval_variable(dot, node, None, MISSING), typ)
        if isinstance(node, n.PipeNode):
            return self.validate_type(self.eval_pipeline(dot, node), typ)
        if isinstance(node, n.IdentifierNode):
            return self.validate_type(self.eval_function(dot, node, node, None, MISSING), typ)
        if isinstance(node, n.ChainNode):
            return self.validate_type(self.eval_chain(dot, node, [], MISSING), typ)
        if typ is None:
            raise self.error(f"can't handle {node} for arg of type {typ}")
        k = kind(typ)
        if typ in (ANY, REFLECT_VALUE):
            return self.eval_empty_interface(dot, node)
        if k == "bool":
            if isinstance(node, n.BoolNode):
                return node.value
            raise self.error(f"expected bool; found {node}")
        if k == "string":
            if isinstance(node, n.StringNode):
                return HTML(node.text) if typ == "template.HTML" else node.text
            raise self.error(f"expected string; found {node}")
        if k == "int":
            if isinstance(node, n.NumberNode) and node.is_int:
                return Duration(node.int_val) if typ == "time.Duration" else node.int_val
            raise self.error(f"expected integer; found {node}")
        if k == "uint":
            if isinstance(node, n.NumberNode) and node.is_uint:
                return node.uint_val
            raise self.error(f"expected unsigned integer; found {node}")
        if k == "float":
            if isinstance(node, n.NumberNode) and node.is_float:
                return node.float_val
            raise self.error(f"expected float; found {node}")
        if k == "complex":
            if isinstance(node, n.NumberNode) and node.is_complex:
                return node.complex_val
            raise self.error(f"expected complex; found {node}")
        raise self.error(f"can't handle {node} for arg of type {typ}")

    def eval_empty_interface(self, dot: Any, node: n.Node) -> Any:
        self.node = node
        if isinstance(node, n.BoolNode):
            return node.value
        if isinstance(node, n.NumberNode):
            return self.ideal_constant(node)
        if isinstance(node, n.StringNode):
            return node.text
        raise self.error(f"can't handle assignment of {node} to empty interface argument")

    def print_value(self, node: n.Node, v: Any) -> None:
        self.node = node
        if isinstance(v, GoFunc):
            raise self.error(f"can't print {node} of type {v.go_type}")
        if self.escaper is not None:
            self.write(self.escaper.value(v))
            return
        self.write("<no value>" if v is None else fmt_value(v, "v", _PLAIN, 0))


def execute(
    name: str,
    templates: Mapping[str, Tree],
    funcs: Mapping[str, GoFunc],
    data: Any,
    escaper: Any = None,
) -> str:
    """Run template ``name`` with ``data`` as dot and return the output."""
    out: list[str] = []
    st = State(name, templates, funcs, out.append, escaper)
    st.vars = [["$", data]]
    tree = templates.get(name)
    if tree is None or tree.root is None:
        raise st.error(f"{go_quote(name)} is an incomplete or empty template")
    try:
        st.walk(data, tree.root)
    except RecursionError:
        raise st.error(f"exceeded maximum template depth ({MAX_DEPTH})") from None
    return "".join(out)
