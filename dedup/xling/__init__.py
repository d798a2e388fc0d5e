"""Translated copies: articles in one language matched to their translations in another.

`encoder` turns bodies into multilingual sentence vectors (the optional ``dedup[xling]``
extra), `facts` reads what a translation keeps (numbers, amounts, Latin names), and
`matching` decides which articles are translations of which; the batch scan
(`dedup.batch.crosslingual`) and the crawler's index use the same rule.
"""
