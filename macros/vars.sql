{#- Vars arrive from the command line (`dbt build --vars`); anything that is inlined
    into SQL is validated here first, so a value with quotes, semicolons or comment
    markers stops the run with a clear message instead of changing a query. -#}

{% macro validated_date(value, name='date') -%}
  {%- set text = value | string | trim -%}
  {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
    {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a date written YYYY-MM-DD, got: " ~ (text | tojson)) }}
  {%- endif -%}
  {%- set parsed = modules.datetime.datetime.strptime(text, '%Y-%m-%d') -%}
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

{% macro number_var(name) -%}
  {{ chatbot_analytics.validated_number(var(name), name) }}
{%- endmacro %}
