{#- Every source() goes through here: the schema of a source comes from var raw_schema,
    which `dbt --vars` can set, and dbt quotes identifiers without escaping the quote
    character. A schema that is not a plain identifier stops the compile with a clear
    message instead of being pasted into every staging query. -#}
{% macro source(source_name, table_name) -%}
  {%- set relation = builtins.source(source_name, table_name) -%}
  {%- if relation.schema is not none and not modules.re.match('^[A-Za-z_][A-Za-z0-9_]{0,63}$', relation.schema | string) -%}
    {{ exceptions.raise_compiler_error("var raw_schema must be a plain identifier (letters, digits, _), got: " ~ (relation.schema | string | tojson) ~ " for source " ~ source_name ~ "." ~ table_name) }}
  {%- endif -%}
  {{- return(relation) -}}
{%- endmacro %}
