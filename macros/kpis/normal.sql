{#- Standard normal distribution with only exp/abs/sqrt, so it runs on every engine.
    Below |x| = 5: Hart's (1968) rational approximation as given by West (2005), "Better
    approximations to cumulative normal functions". From |x| = 5 on: the Laplace continued
    fraction Q(a) = phi(a) / (a + 1/(a + 2/(a + ... + 16/a))). West's own tail branch (from
    |x| = 7.07, four terms closed with 0.65) and Hart's polynomial near 7 are off by up to
    9e-9 relative (a p-value of 1.2e-15 at z = 8 came out 1.24419210e-15, scipy
    1.24419211e-15); with 16 terms from 5 on the error stays below 5e-11 relative on the
    whole line (2e-13 beyond 5, the rounding of exp(-a^2/2)). Checked against scipy in
    tests/python/test_stats_macros.py and tests/kpis/assert_normal_cdf_matches_scipy.sql,
    relative in the tails too. `x` should be a column name: it is repeated. -#}

{#- Upper tail Q(|x|) = 1 - Phi(|x|), computed directly (no 1 - ~1 cancellation). -#}
{% macro normal_upper_tail_abs(x) -%}
{%- set a = 'abs(' ~ chatbot_analytics.cast_double(x) ~ ')' -%}
{#- a + 1/(a + 2/(a + ... + 16/a)), built from the innermost term out -#}
{%- set fraction = namespace(text=a) -%}
{%- for k in range(16, 0, -1) -%}
    {%- set fraction.text = '(' ~ a ~ ' + ' ~ k ~ ' / ' ~ fraction.text ~ ')' -%}
{%- endfor -%}
(case
    when {{ x }} is null then null
    when {{ a }} > 37 then 0.0
    when {{ a }} < 5 then
        exp(-{{ a }} * {{ a }} / 2)
        * ((((((0.0352624965998911 * {{ a }} + 0.700383064443688) * {{ a }} + 6.37396220353165) * {{ a }}
              + 33.912866078383) * {{ a }} + 112.079291497871) * {{ a }} + 221.213596169931) * {{ a }} + 220.206867912376)
        / (((((((0.0883883476483184 * {{ a }} + 1.75566716318264) * {{ a }} + 16.064177579207) * {{ a }}
              + 86.7807322029461) * {{ a }} + 296.564248779674) * {{ a }} + 637.333633378831) * {{ a }}
              + 793.826512519948) * {{ a }} + 440.413735824752)
    else
        exp(-{{ a }} * {{ a }} / 2) / {{ fraction.text }} / 2.5066282746310002
end)
{%- endmacro %}

{#- Phi(x): P(Z <= x). -#}
{% macro normal_cdf(x) -%}
(case when {{ x }} is null then null
      when {{ x }} > 0 then 1 - {{ chatbot_analytics.normal_upper_tail_abs(x) }}
      else {{ chatbot_analytics.normal_upper_tail_abs(x) }} end)
{%- endmacro %}

{#- Two-sided p-value of a z statistic: 2 * Q(|z|), capped at 1; NULL for a NULL z
    (least() skips NULLs on DuckDB and Spark but not on MySQL, so the NULL is explicit). -#}
{% macro two_sided_p_value(z) -%}
(case when {{ z }} is null then null
      else least(1.0, 2 * {{ chatbot_analytics.normal_upper_tail_abs(z) }}) end)
{%- endmacro %}
