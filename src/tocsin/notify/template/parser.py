"""Parser from lexer items to trees, one tree per ``define``/``block`` plus the top level.

The structure and the error messages mirror Go 1.19's ``text/template/parse/parse.go``, including
its three-item look-ahead, because the line reported in a parse error depends on how far the
parser has read.
"""

from __future__ import annotations

from collections.abc import Collection

from tocsin.notify.template import nodes as n
from tocsin.notify.template.errors import TemplateError
from tocsin.notify.template.gounquote import UnquoteError, parse_number, unquote
from tocsin.notify.template.lexer import Item, T, lex


class Tree:
    """One named template: its root list and the source it came from."""

    __slots__ = ("name", "parse_name", "root", "text")

    def __init__(self, name: str, parse_name: str, text: str) -> None:
        self.name = name
        self.parse_name = parse_name
        self.text = text
        self.root: n.ListNode | None = None

    def error_context(self, node: n.Node) -> tuple[str, str]:
        """``FILE:LINE:COL`` and the node's source form, as Go's ErrorContext."""
        tree = node.tree
        before = tree.text[: node.pos]
        nl = before.rfind("\n")
        col = len(before.encode()) if nl < 0 else len(before[nl + 1 :].encode())
        line = 1 + before.count("\n")
        return f"{tree.parse_name}:{line}:{col}", str(node)


class _Parser:
    def __init__(self, tree: Tree, items: list[Item], funcs: Collection[str], tree_set: dict[str, Tree]):
        self.t = tree
        self.items = items
        self.idx = 0
        self.token: list[Item] = [Item(T.EOF, 0, "", 1)] * 3
        self.peek_count = 0
        self.funcs = funcs
        self.tree_set = tree_set
        self.vars: list[str] = ["$"]
        self.action_line = 0
        self.range_depth = 0

    # -- token buffer (same shape as Go's) -------------------------------------------------------
    def _lex_next(self) -> Item:
        if self.idx < len(self.items):
            it = self.items[self.idx]
            self.idx += 1
            return it
        return self.items[-1]

    def next(self) -> Item:
        if self.peek_count > 0:
            self.peek_count -= 1
        else:
            self.token[0] = self._lex_next()
        return self.token[self.peek_count]

    def backup(self) -> None:
        self.peek_count += 1

    def backup2(self, t1: Item) -> None:
        self.token[1] = t1
        self.peek_count = 2

    def backup3(self, t2: Item, t1: Item) -> None:
        self.token[1] = t1
        self.token[2] = t2
        self.peek_count = 3

    def peek(self) -> Item:
        if self.peek_count > 0:
            return self.token[self.peek_count - 1]
        self.peek_count = 1
        self.token[0] = self._lex_next()
        return self.token[0]

    def next_non_space(self) -> Item:
        while True:
            tok = self.next()
            if tok.typ != T.SPACE:
                return tok

    def peek_non_space(self) -> Item:
        tok = self.next_non_space()
        self.backup()
        return tok

    # -- errors ----------------------------------------------------------------------------------
    def errorf(self, msg: str) -> TemplateError:
        self.t.root = None
        return TemplateError(f"template: {self.t.parse_name}:{self.token[0].line}: {msg}")

    def expect(self, expected: T, context: str) -> Item:
        tok = self.next_non_space()
        if tok.typ != expected:
            raise self.unexpected(tok, context)
        return tok

    def expect_one_of(self, e1: T, e2: T, context: str) -> Item:
        tok = self.next_non_space()
        if tok.typ not in (e1, e2):
            raise self.unexpected(tok, context)
        return tok

    def unexpected(self, tok: Item, context: str) -> TemplateError:
        if tok.typ == T.ERROR:
            extra = ""
            if self.action_line != 0 and self.action_line != tok.line:
                extra = f" in action started at {self.t.parse_name}:{self.action_line}"
                if tok.val.endswith(" action"):
                    extra = extra[len(" in action") :]
            return self.errorf(f"{tok}{extra}")
        return self.errorf(f"unexpected {tok} in {context}")

    # -- structure -------------------------------------------------------------------------------
    def add(self) -> None:
        existing = self.tree_set.get(self.t.name)
        if existing is None or n.is_empty_tree(existing.root):
            self.tree_set[self.t.name] = self.t
            return
        if not n.is_empty_tree(self.t.root):
            from tocsin.notify.template.gofmt import go_quote

            raise self.errorf(f"template: multiple definition of template {go_quote(self.t.name)}")

    def sub(self, tree: Tree) -> _Parser:
        """A parser for a nested definition sharing this one's token stream."""
        p = _Parser(tree, self.items, self.funcs, self.tree_set)
        p.idx = self.idx
        p.token = list(self.token)
        p.peek_count = self.peek_count
        return p

    def resume_from(self, p: _Parser) -> None:
        self.idx = p.idx
        self.token = p.token
        self.peek_count = p.peek_count

    def parse(self) -> None:
        self.t.root = n.ListNode(self.t, self.peek().pos)
        while self.peek().typ != T.EOF:
            if self.peek().typ == T.LEFT_DELIM:
                delim = self.next()
                if self.next_non_space().typ == T.DEFINE:
                    sub = self.sub(Tree("definition", self.t.parse_name, self.t.text))
                    sub.parse_definition()
                    self.resume_from(sub)
                    continue
                self.backup2(delim)
            node = self.text_or_action()
            if isinstance(node, n.EndNode | n.ElseNode):
                raise self.errorf(f"unexpected {node}")
            self.t.root.nodes.append(node)

    def parse_definition(self) -> None:
        ctx = "define clause"
        name = self.expect_one_of(T.STRING, T.RAW_STRING, ctx)
        try:
            self.t.name = unquote(name.val)
        except UnquoteError as e:
            raise self.errorf(str(e)) from None
        self.expect(T.RIGHT_DELIM, ctx)
        root, end = self.item_list()
        self.t.root = root
        if not isinstance(end, n.EndNode):
            raise self.errorf(f"unexpected {end} in {ctx}")
        self.add()

    def item_list(self) -> tuple[n.ListNode, n.Node]:
        lst = n.ListNode(self.t, self.peek_non_space().pos)
        while self.peek_non_space().typ != T.EOF:
            node = self.text_or_action()
            if isinstance(node, n.EndNode | n.ElseNode):
                return lst, node
            lst.nodes.append(node)
        raise self.errorf("unexpected EOF")

    def text_or_action(self) -> n.Node:
        tok = self.next_non_space()
        if tok.typ == T.TEXT:
            return n.TextNode(self.t, tok.pos, tok.val)
        if tok.typ == T.LEFT_DELIM:
            self.action_line = tok.line
            try:
                return self.action()
            finally:
                self.action_line = 0
        if tok.typ == T.COMMENT:
            return n.CommentNode(self.t, tok.pos, tok.val)
        raise self.unexpected(tok, "input")

    def action(self) -> n.Node:
        tok = self.next_non_space()
        typ = tok.typ
        if typ == T.BLOCK:
            return self.block_control()
        if typ == T.BREAK:
            return self.break_control(tok, "break")
        if typ == T.CONTINUE:
            return self.break_control(tok, "continue")
        if typ == T.ELSE:
            return self.else_control()
        if typ == T.END:
            return n.EndNode(self.t, self.expect(T.RIGHT_DELIM, "end").pos)
        if typ == T.IF:
            return n.IfNode(self.t, *self.parse_control(True, "if"))
        if typ == T.RANGE:
            return n.RangeNode(self.t, *self.parse_control(False, "range"))
        if typ == T.TEMPLATE:
            return self.template_control()
        if typ == T.WITH:
            return n.WithNode(self.t, *self.parse_control(False, "with"))
        self.backup()
        tok = self.peek()
        return n.ActionNode(self.t, tok.pos, tok.line, self.pipeline("command", T.RIGHT_DELIM))

    def break_control(self, tok: Item, word: str) -> n.Node:
        nxt = self.next_non_space()
        if nxt.typ != T.RIGHT_DELIM:
            raise self.unexpected(nxt, "{{" + word + "}}")
        if self.range_depth == 0:
            raise self.errorf("{{" + word + "}} outside {{range}}")
        if word == "break":
            return n.BreakNode(self.t, tok.pos, tok.line)
        return n.ContinueNode(self.t, tok.pos, tok.line)

    def pipeline(self, context: str, end: T) -> n.PipeNode:
        tok = self.peek_non_space()
        pipe = n.PipeNode(self.t, tok.pos, tok.line)
        while True:  # the "decls" label of Go's parser
            v = self.peek_non_space()
            if v.typ != T.VARIABLE:
                break
            self.next()
            after = self.peek()
            nxt = self.peek_non_space()
            if nxt.typ in (T.ASSIGN, T.DECLARE):
                pipe.is_assign = nxt.typ == T.ASSIGN
                self.next_non_space()
                pipe.decl.append(n.VariableNode(self.t, v.pos, v.val.split(".")))
                self.vars.append(v.val)
                break
            if nxt.typ == T.CHAR and nxt.val == ",":
                self.next_non_space()
                pipe.decl.append(n.VariableNode(self.t, v.pos, v.val.split(".")))
                self.vars.append(v.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (T.VARIABLE, T.RIGHT_DELIM, T.RIGHT_PAREN):
                        continue
                    raise self.errorf("range can only initialize variables")
                raise self.errorf(f"too many declarations in {context}")
            if after.typ == T.SPACE:
                self.backup3(v, after)
            else:
                self.backup2(v)
            break
        while True:
            tok = self.next_non_space()
            if tok.typ == end:
                self.check_pipeline(pipe, context)
                return pipe
            if tok.typ in _OPERAND_START:
                self.backup()
                pipe.cmds.append(self.command())
            else:
                raise self.unexpected(tok, context)

    def check_pipeline(self, pipe: n.PipeNode, context: str) -> None:
        if not pipe.cmds:
            raise self.errorf(f"missing value for {context}")
        for i, c in enumerate(pipe.cmds[1:]):
            if isinstance(c.args[0], n.BoolNode | n.DotNode | n.NilNode | n.NumberNode | n.StringNode):
                raise self.errorf(f"non executable command in pipeline stage {i + 2}")

    def parse_control(
        self, allow_else_if: bool, context: str
    ) -> tuple[int, int, n.PipeNode, n.ListNode, n.ListNode | None]:
        mark = len(self.vars)
        try:
            pipe = self.pipeline(context, T.RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            lst, nxt = self.item_list()
            if context == "range":
                self.range_depth -= 1
            else_list: n.ListNode | None = None
            if isinstance(nxt, n.ElseNode):
                if allow_else_if and self.peek().typ == T.IF:
                    self.next()
                    else_list = n.ListNode(self.t, nxt.pos)
                    else_list.nodes.append(n.IfNode(self.t, *self.parse_control(True, "if")))
                else:
                    else_list, nxt = self.item_list()
                    if not isinstance(nxt, n.EndNode):
                        raise self.errorf(f"expected end; found {nxt}")
            return pipe.pos, pipe.line, pipe, lst, else_list
        finally:
            del self.vars[mark:]

    def else_control(self) -> n.Node:
        pk = self.peek_non_space()
        if pk.typ == T.IF:
            return n.ElseNode(self.t, pk.pos, pk.line)
        tok = self.expect(T.RIGHT_DELIM, "else")
        return n.ElseNode(self.t, tok.pos, tok.line)

    def block_control(self) -> n.Node:
        ctx = "block clause"
        tok = self.next_non_space()
        name = self.template_name(tok, ctx)
        pipe = self.pipeline(ctx, T.RIGHT_DELIM)
        sub = self.sub(Tree(name, self.t.parse_name, self.t.text))
        root, end = sub.item_list()
        sub.t.root = root
        self.resume_from(sub)
        if not isinstance(end, n.EndNode):
            raise self.errorf(f"unexpected {end} in {ctx}")
        sub.add()
        return n.TemplateNode(self.t, tok.pos, tok.line, name, pipe)

    def template_control(self) -> n.Node:
        ctx = "template clause"
        tok = self.next_non_space()
        name = self.template_name(tok, ctx)
        pipe: n.PipeNode | None = None
        if self.next_non_space().typ != T.RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(ctx, T.RIGHT_DELIM)
        return n.TemplateNode(self.t, tok.pos, tok.line, name, pipe)

    def template_name(self, tok: Item, ctx: str) -> str:
        if tok.typ in (T.STRING, T.RAW_STRING):
            try:
                return unquote(tok.val)
            except UnquoteError as e:
                raise self.errorf(str(e)) from None
        raise self.unexpected(tok, ctx)

    def command(self) -> n.CommandNode:
        cmd = n.CommandNode(self.t, self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            tok = self.next()
            if tok.typ == T.SPACE:
                continue
            if tok.typ in (T.RIGHT_DELIM, T.RIGHT_PAREN):
                self.backup()
            elif tok.typ == T.PIPE:
                pass
            else:
                raise self.unexpected(tok, "operand")
            break
        if not cmd.args:
            raise self.errorf("empty command")
        return cmd

    def operand(self) -> n.Node | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().typ == T.FIELD:
            chain = n.ChainNode(self.t, self.peek().pos, node)
            while self.peek().typ == T.FIELD:
                chain.fields.append(self.next().val[1:])
            if isinstance(node, n.FieldNode):
                return n.FieldNode(self.t, chain.pos, str(chain)[1:].split("."))
            if isinstance(node, n.VariableNode):
                return n.VariableNode(self.t, chain.pos, str(chain).split("."))
            if isinstance(node, n.BoolNode | n.StringNode | n.NumberNode | n.NilNode | n.DotNode):
                from tocsin.notify.template.gofmt import go_quote

                raise self.errorf(f"unexpected . after term {go_quote(str(node))}")
            return chain
        return node

    def term(self) -> n.Node | None:
        tok = self.next_non_space()
        typ = tok.typ
        if typ == T.IDENTIFIER:
            if tok.val not in self.funcs:
                from tocsin.notify.template.gofmt import go_quote

                raise self.errorf(f"function {go_quote(tok.val)} not defined")
            return n.IdentifierNode(self.t, tok.pos, tok.val)
        if typ == T.DOT:
            return n.DotNode(self.t, tok.pos)
        if typ == T.NIL:
            return n.NilNode(self.t, tok.pos)
        if typ == T.VARIABLE:
            v = n.VariableNode(self.t, tok.pos, tok.val.split("."))
            if v.ident[0] not in self.vars:
                from tocsin.notify.template.gofmt import go_quote

                raise self.errorf(f"undefined variable {go_quote(v.ident[0])}")
            return v
        if typ == T.FIELD:
            return n.FieldNode(self.t, tok.pos, tok.val[1:].split("."))
        if typ == T.BOOL:
            return n.BoolNode(self.t, tok.pos, tok.val == "true")
        if typ in (T.CHAR_CONSTANT, T.COMPLEX, T.NUMBER):
            try:
                return parse_number(self.t, tok.pos, tok.val, typ == T.CHAR_CONSTANT, typ == T.COMPLEX)
            except UnquoteError as e:
                raise self.errorf(str(e)) from None
        if typ == T.LEFT_PAREN:
            return self.pipeline("parenthesized pipeline", T.RIGHT_PAREN)
        if typ in (T.STRING, T.RAW_STRING):
            try:
                s = unquote(tok.val)
            except UnquoteError as e:
                raise self.errorf(str(e)) from None
            return n.StringNode(self.t, tok.pos, tok.val, s)
        self.backup()
        return None


_OPERAND_START = frozenset(
    {
        T.BOOL,
        T.CHAR_CONSTANT,
        T.COMPLEX,
        T.DOT,
        T.FIELD,
        T.IDENTIFIER,
        T.NUMBER,
        T.NIL,
        T.RAW_STRING,
        T.STRING,
        T.VARIABLE,
        T.LEFT_PAREN,
    }
)


def parse(name: str, text: str, funcs: Collection[str]) -> dict[str, Tree]:
    """Parse one source text named ``name`` into its trees (top level and definitions)."""
    tree_set: dict[str, Tree] = {}
    tree = Tree(name, name, text)
    p = _Parser(tree, lex(text), funcs, tree_set)
    p.parse()
    p.add()
    return tree_set
