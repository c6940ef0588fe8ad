{#- ChatBI evaluation vars that are inlined into SQL as text literals (a run id, a scorer
    name). Only id-like text is accepted, so a var cannot change a query. -#}
{% macro chatbi_text_var(name, default=none) -%}
  {%- set value = var(name, default) -%}
  {%- if value is none or (value | string | trim) in ('', 'none', 'None', 'null') -%}
    {{- return(none) -}}
  {%- endif -%}
  {%- set text = value | string | trim -%}
  {%- if not modules.re.match('^[A-Za-z0-9_.:/@+-]{1,128}$', text) -%}
    {{ exceptions.raise_compiler_error("var " ~ name ~ " must be an id (letters, digits, _ . : / @ + -), got: " ~ (text | tojson)) }}
  {%- endif -%}
  {{- return(text) -}}
{%- endmacro %}
