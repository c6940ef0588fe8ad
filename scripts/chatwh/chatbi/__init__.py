"""ChatBI evaluation helpers: the Python side of issue 5.

Everything here turns free text into structured values before it reaches the warehouse,
because the SQL engines the project supports do not share a regex dialect:

- `time_range`   Chinese (and written-date) time expressions → inclusive date ranges;
- `text`         width/case normalisation, metric names, numbers, expected values;
- `clauses`      the assistant's query-logic description → (field, operator, value) clauses;
- `records`      pydantic models of the eval JSON and the loader's prepare step;
- `llm`          a small OpenAI-compatible HTTP client (batched, retried, timed out);
- `similarity`   scorers (offline TF-IDF, embeddings, judge prompt);
- `dictionaries` the seed dictionaries (seeds/chatbi_*.csv) for generators;
- `generation`   question composition for scripts/generate_eval_queries.py and the demo;
- `sql`          parse-step SQL helpers of the eval loader kinds.
"""
