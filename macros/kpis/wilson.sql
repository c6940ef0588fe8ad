{#- Wilson score interval for a proportion successes / trials (two-sided, z from var
    confidence_z, 1.96 for 95 %). Bounds always lie in [0, 1]; NULL when trials = 0.
    Takes column names or simple expressions: they are repeated in the formula. -#}

{% macro wilson_center(successes, trials, z=none) -%}
{%- set z = z if z is not none else chatbot_analytics.number_var('confidence_z') -%}
{%- set n = chatbot_analytics.cast_double(trials) -%}
{%- set p = '(' ~ chatbot_analytics.cast_double(successes) ~ ' / ' ~ n ~ ')' -%}
(({{ p }} + {{ z }} * {{ z }} / (2 * {{ n }})) / (1 + {{ z }} * {{ z }} / {{ n }}))
{%- endmacro %}

{% macro wilson_half_width(successes, trials, z=none) -%}
{%- set z = z if z is not none else chatbot_analytics.number_var('confidence_z') -%}
{%- set n = chatbot_analytics.cast_double(trials) -%}
{%- set p = '(' ~ chatbot_analytics.cast_double(successes) ~ ' / ' ~ n ~ ')' -%}
({{ z }} * sqrt({{ p }} * (1 - {{ p }}) / {{ n }} + {{ z }} * {{ z }} / (4 * {{ n }} * {{ n }})) / (1 + {{ z }} * {{ z }} / {{ n }}))
{%- endmacro %}

{% macro wilson_lower(successes, trials, z=none) -%}
(case when {{ trials }} is null or {{ trials }} = 0 then null
      else greatest(0.0, {{ chatbot_analytics.wilson_center(successes, trials, z) }} - {{ chatbot_analytics.wilson_half_width(successes, trials, z) }}) end)
{%- endmacro %}

{% macro wilson_upper(successes, trials, z=none) -%}
(case when {{ trials }} is null or {{ trials }} = 0 then null
      else least(1.0, {{ chatbot_analytics.wilson_center(successes, trials, z) }} + {{ chatbot_analytics.wilson_half_width(successes, trials, z) }}) end)
{%- endmacro %}
