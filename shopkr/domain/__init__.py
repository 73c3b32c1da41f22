"""The domain: what an OKR, a key result, a metric and an A/B test are, and how they are scored.

okr         the OKR file's models, validation and OKR-method warnings (pydantic)
metrics     the metric catalogue and the SQL that reduces a KR's scope to daily sums; custom KR SQL sandbox
scoring     pure maths: progress, score, pace, projection, objective scores
engine      scores a cycle on an open connection: few grouped queries, then `scoring`
forecast    KR pace (last_year / calendar / linear), forecast with P(hit) and interval, promotion calendar;
            pure (numpy)
maturation  provisional values: how long a day's refunds / attributed sales keep changing (a curve from the
            revision history, documented defaults), which days still settle; pure (numpy, scipy)
ab_stats    A/B statistics (frequentist + Bayesian, SRM), pure
messages    messages as codes with parameters (Message), every code listed, pydantic errors as codes
annotations notes on the charts: what a note is about (its scope) and on which charts it shows; pure
roles       who may do what: viewer / editor / admin, the objectives an editor may edit, one check; pure

Never imports Streamlit, the app layer or the data layer: code here gets a DuckDB connection from its caller.
"""
