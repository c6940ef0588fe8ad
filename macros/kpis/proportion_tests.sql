{#- Comparing two proportions x_a / n_a and x_b / n_b (model B against model A).
    Pass column names: they are repeated inside the formulas. -#}

{#- Pooled two-proportion z statistic for b - a; NULL when it is undefined (an empty
    arm, or both arms at 0 % or both at 100 %). -#}
{% macro two_proportion_z(x_a, n_a, x_b, n_b) -%}
{%- set pooled = '(' ~ chatbot_analytics.cast_double('(' ~ x_a ~ ' + ' ~ x_b ~ ')') ~ ' / ' ~ chatbot_analytics.cast_double('(' ~ n_a ~ ' + ' ~ n_b ~ ')') ~ ')' -%}
(case
    when {{ n_a }} is null or {{ n_b }} is null or {{ n_a }} = 0 or {{ n_b }} = 0 then null
    when {{ x_a }} + {{ x_b }} = 0 or {{ x_a }} + {{ x_b }} = {{ n_a }} + {{ n_b }} then null
    else ({{ chatbot_analytics.safe_divide(x_b, n_b) }} - {{ chatbot_analytics.safe_divide(x_a, n_a) }})
         / sqrt({{ pooled }} * (1 - {{ pooled }}) * (1 / {{ chatbot_analytics.cast_double(n_a) }} + 1 / {{ chatbot_analytics.cast_double(n_b) }}))
end)
{%- endmacro %}

{#- Newcombe's hybrid score interval for the difference b - a (Newcombe 1998, method 10),
    built from the two arms' Wilson bounds. Unlike the Wald interval p +- z * se it stays
    inside [-1, 1], is not zero-wide at 0 of n or n of n, and keeps its coverage with few
    users (0/5 against 4/10 gave the Wald interval [0.096, 0.704] beside a pooled z of
    1.65: "not significant" next to an interval that excludes 0). NULL when an arm is
    empty. -#}
{% macro difference_lower(x_a, n_a, x_b, n_b, z=none) -%}
{%- set p_a = chatbot_analytics.safe_divide(x_a, n_a) -%}
{%- set p_b = chatbot_analytics.safe_divide(x_b, n_b) -%}
({{ p_b }} - {{ p_a }}
 - sqrt(power({{ p_b }} - {{ chatbot_analytics.wilson_lower(x_b, n_b, z) }}, 2)
        + power({{ chatbot_analytics.wilson_upper(x_a, n_a, z) }} - {{ p_a }}, 2)))
{%- endmacro %}

{% macro difference_upper(x_a, n_a, x_b, n_b, z=none) -%}
{%- set p_a = chatbot_analytics.safe_divide(x_a, n_a) -%}
{%- set p_b = chatbot_analytics.safe_divide(x_b, n_b) -%}
({{ p_b }} - {{ p_a }}
 + sqrt(power({{ chatbot_analytics.wilson_upper(x_b, n_b, z) }} - {{ p_b }}, 2)
        + power({{ p_a }} - {{ chatbot_analytics.wilson_lower(x_a, n_a, z) }}, 2)))
{%- endmacro %}
