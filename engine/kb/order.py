"""Strongly connected groups of a graph (Tarjan): derivation cycles, and the evaluation order they leave.

The one cycle algorithm of the engine: the loader orders rules and finds
derive cycles with it, the architecture test finds import cycles with it.
"""
from __future__ import annotations


def strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (knowledge bases can be large).

    Groups come out dependencies first: a node's group after the groups of
    every node it points to, so with edges "reads what these derive" an
    acyclic graph's groups, concatenated, are an evaluation order.  Nodes are
    visited in the dictionary's order and their targets in list order, so the
    order is the same on every run.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    counter = 0
    for start in edges:
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            targets = edges.get(node, [])
            for i in range(position, len(targets)):
                target = targets[i]
                if target not in index:
                    work.append((node, i + 1))
                    work.append((target, 0))
                    recurse = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if recurse:
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups
