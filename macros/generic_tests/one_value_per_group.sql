{#- Fails for each group of `group_by` whose rows hold more than one value of any of
    `columns` (NULLs aside: min and max skip them), one row per such group with its size.
    min <> max instead of count(distinct): one pass, no distinct set per group, the same
    on DuckDB, MySQL/MariaDB and Spark. Filter rows with the test's `where` config. -#}
{% test one_value_per_group(model, group_by, columns) %}
select
    {{ group_by }},
    count(*) as rows_in_group
from {{ model }}
group by {{ group_by }}
having
{%- for column in columns %}
    {% if not loop.first %}or {% endif %}min({{ column }}) <> max({{ column }})
{%- endfor %}
{% endtest %}
