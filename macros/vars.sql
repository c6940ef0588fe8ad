{#- Vars arrive from the command line (`dbt build --vars`); anything that is inlined
    into SQL is validated here first, so a value with quotes, semicolons or comment
    markers stops the run with a clear message instead of changing a query. -#}

{% macro validated_date(value, name='date') -%}
  {%- set text = value | string | trim -%}
  {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
    {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a date written YYYY-MM-DD, got: " ~ (text | tojson)) }}
  {%- endif -%}
  {#- a day that exists (2026-13-01, 2025-02-29 are refused here, not by strptime's own
      error, which does not name the var) -#}
  {%- set year, month, day = text[0:4] | int, text[5:7] | int, text[8:10] | int -%}
  {%- set leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
  {%- set month_days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
  {%- if year < 1 or month < 1 or month > 12 or day < 1 or day > month_days[month - 1] -%}
    {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a real date YYYY-MM-DD, got: " ~ (text | tojson)) }}
  {%- endif -%}
  {{- text -}}
{%- endmacro %}

{% macro validated_number(value, name='number') -%}
  {%- set text = value | string | trim -%}
  {%- if not modules.re.match('^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$', text) -%}
    {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a number, got: " ~ (text | tojson)) }}
  {%- endif -%}
  {{- text -}}
{%- endmacro %}

{#- A date var, or a default expression when the var is null. -#}
{% macro date_var(name, default_sql) -%}
  {%- set value = var(name, none) -%}
  {%- if value is none or (value | string | trim) in ('', 'none', 'None', 'null') -%}
    {{ default_sql }}
  {%- else -%}
    {{ chatbot_analytics.date_literal(chatbot_analytics.validated_date(value, name)) }}
  {%- endif -%}
{%- endmacro %}

{#- The least value each number var may take, and whether the least itself is allowed:
    a negative z puts every Wilson lower bound above its upper bound and makes every
    difference "significant"; a limit of 0 lists nothing. -#}
{%- macro _number_var_minimums() -%}
  {{ return({
      'confidence_z': (0, false),
      'slow_answer_seconds': (0, true),
      'top_questions_limit': (1, true),
      'top_questions_min_askers': (1, true),
      'comparison_min_users': (0, true),
      'alert_open_minutes': (0, true),
      'incremental_lookback_days': (0, true),
  }) }}
{%- endmacro -%}

{% macro number_var(name) -%}
  {%- set text = chatbot_analytics.validated_number(var(name), name) -%}
  {%- set bound = chatbot_analytics._number_var_minimums().get(name) -%}
  {%- if bound is not none -%}
    {%- set least, inclusive = bound -%}
    {%- if (text | float) < least or (not inclusive and (text | float) == least) -%}
      {{ exceptions.raise_compiler_error("var " ~ name ~ " must be " ~ ("at least " if inclusive else "more than ") ~ least ~ ", got: " ~ text) }}
    {%- endif -%}
  {%- endif -%}
  {{- text -}}
{%- endmacro %}
