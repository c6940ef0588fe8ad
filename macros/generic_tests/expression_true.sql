{#- Fails for each row where a boolean SQL expression over the model is false. -#}
{% test expression_true(model, expression, row_condition=none) %}
select *
from {{ model }}
where not ({{ expression }})
{%- if row_condition %} and ({{ row_condition }}){% endif %}
{% endtest %}
