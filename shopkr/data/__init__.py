"""The data: the DuckDB file and everything that reads or writes it.

store      where the file is, connections, schema and migrations, the one write path, OKR storage, demo marks
queries    reads of the canonical tables for pages and commands, in one place
importer   many export files into the store (parsing is in connectors/), atomically per file
closing    close a cycle: freeze the engine's final grades and lock the cycle
coverage   which days have data per shop and table, and the gaps
demo       load the demo shops and OKRs; clear exactly what the demo wrote
backup     one consistent backup file of the database, restore, the copy a migration writes first

May import the domain (definitions it stores) and connectors/; never Streamlit or the app layer.
"""
