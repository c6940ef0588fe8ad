{#- Number helpers that differ by engine. -#}

{#- A double rounded to `digits` decimals, halves away from zero, with the same float
    operations on every engine. Not round(): MariaDB and MySQL round a DOUBLE half to
    even (round(2.5e0) = 2, round(5.0000005e0, 6) = 5.0), DuckDB half away from zero (3,
    5.000001) and Spark on the decimal text of the double, so a mean of 16 response times
    logged in milliseconds (x.xxxxxx5 exactly) was 1e-6 apart between engines, and an
    alert at a threshold of 5 s fired on one and not the other. NULL stays NULL. -#}
{% macro round_half_away(expression, digits) -%}
{{ return(adapter.dispatch('round_half_away', 'chatbot_analytics')(expression, digits)) }}
{%- endmacro %}

{% macro default__round_half_away(expression, digits) -%}
{%- set scale = '1e' ~ (digits | int) -%}
((case when ({{ expression }}) < 0 then -1 else 1 end) * floor(abs({{ expression }}) * {{ scale }} + 0.5) / {{ scale }})
{%- endmacro %}
