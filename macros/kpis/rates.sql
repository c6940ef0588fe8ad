{#- One definition of a ratio for every KPI: NULL when the denominator is 0 or NULL,
    never 0 and never a division error; always a double, on every engine. -#}
{% macro safe_divide(numerator, denominator) -%}
(case when {{ denominator }} is null or {{ denominator }} = 0 then null
      else {{ chatbot_analytics.cast_double(numerator) }} / {{ chatbot_analytics.cast_double(denominator) }} end)
{%- endmacro %}
