"""Analyses a reform office or a legal affairs office asks for, over the store interface (so
both stores give the same findings): each finding names the rule that produced it and the
evidence (powers, source rows, citations, article texts) behind it."""
