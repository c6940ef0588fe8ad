{#- A source table that may not exist yet (an optional input, e.g. LLM-judge ratings
    nobody has loaded): select from it when it exists, otherwise an empty relation with
    the given columns. `columns` maps column name -> SQL type expression.
    The dependency on the source is always recorded, so lineage shows it. -#}
{% macro optional_source(source_name, table_name, columns) -%}
{%- set relation = source(source_name, table_name) -%}
{%- if execute and load_relation(relation) is none -%}
select
    {%- for name, type_sql in columns.items() %}
    cast(null as {{ type_sql }}) as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
from (select 1 as one) as empty_source
where 1 = 0
{%- else -%}
select * from {{ relation }}
{%- endif -%}
{%- endmacro %}
