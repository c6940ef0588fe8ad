{#- Fails for each row where a boolean SQL expression over the model is false or NULL (a
    NULL is not a pass: `not (NULL)` is NULL, which a bare `where not (...)` would skip).
    Where NULLs are legitimate, say so in the expression or in row_condition. The CASE
    form is the same on DuckDB, MySQL/MariaDB and Spark. -#}
{% test expression_true(model, expression, row_condition=none) %}
select *
from {{ model }}
where (case when ({{ expression }}) then 1 else 0 end) = 0
{%- if row_condition %} and ({{ row_condition }}){% endif %}
{% endtest %}
