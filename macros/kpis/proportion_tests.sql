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

{#- Half width of the unpooled (Wald) confidence interval of the difference b - a. -#}
{% macro difference_half_width(x_a, n_a, x_b, n_b, z=none) -%}
{%- set z = z if z is not none else chatbot_analytics.number_var('confidence_z') -%}
{%- set p_a = chatbot_analytics.safe_divide(x_a, n_a) -%}
{%- set p_b = chatbot_analytics.safe_divide(x_b, n_b) -%}
(case when {{ n_a }} is null or {{ n_b }} is null or {{ n_a }} = 0 or {{ n_b }} = 0 then null
      else {{ z }} * sqrt({{ p_a }} * (1 - {{ p_a }}) / {{ chatbot_analytics.cast_double(n_a) }}
                          + {{ p_b }} * (1 - {{ p_b }}) / {{ chatbot_analytics.cast_double(n_b) }}) end)
{%- endmacro %}
