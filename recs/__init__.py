"""Recommendations: candidates from several signals, then one ranking, each result explained.

- `model`: the request (strategy, filters, asOf, diversity cap) and the answer (a product, its
  score, and one reason per signal that proposed it: the contribution and the purchases behind it).
- `signals`: the weights and windows (named constants), and each signal's proposals from the rows
  the reads bring.
- `ranking`: the one blend: filters, excludePurchased, score, the strategy's order, the cap.
- `reads`: the Cypher round trips, a constant number per batch (never per purchase or per result).

Imports `cypher` only; `gql` imports this.
"""
