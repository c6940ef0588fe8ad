{#- The GRANT statements that let a read-only BI user (Metabase) read the marts and
    nothing else on MySQL/MariaDB: one `grant select` per mart table (fct_*, dim_*,
    mart_*), leaving out the *_restricted marts (raw question and answer text) and every
    raw, staging and intermediate relation (raw user ids, IPs, phone hashes). A grant on
    the whole schema cannot leave those out. Printed, not run: the dbt user holds no GRANT
    privilege, an administrator pipes the lines into the mysql client. Run it again when a
    mart is added:

        dbt --quiet run-operation print_mart_grants --target mysql --args '{user: metabase}' | mysql -u root

    DuckDB users publish the BI copy instead (scripts/publish_bi_copy.py), which holds the
    same marts. The rule is scripts/chatwh/publish.py's (is_published). -#}
{% macro print_mart_grants(user, host='%') -%}
  {%- if target.type not in ('mysql', 'mariadb') -%}
    {{ exceptions.raise_compiler_error("print_mart_grants writes MySQL/MariaDB grants; target " ~ target.name ~ " is " ~ target.type ~ " (DuckDB: publish the BI copy with scripts/publish_bi_copy.py)") }}
  {%- endif -%}
  {#- The user and host go into the statement as they are: letters, digits and _ only
      (and the host's . % -), so nothing else can ride along. -#}
  {%- if not modules.re.match('^[A-Za-z0-9_]{1,80}$', user | string) -%}
    {{ exceptions.raise_compiler_error("print_mart_grants: user must be letters, digits or _, got " ~ (user | string | tojson)) }}
  {%- endif -%}
  {%- if not modules.re.match('^[A-Za-z0-9_.%-]{1,255}$', host | string) -%}
    {{ exceptions.raise_compiler_error("print_mart_grants: host must be a host name, an IP or a pattern with %, got " ~ (host | string | tojson)) }}
  {%- endif -%}
  {%- set marts = [] -%}
  {%- for node in graph.nodes.values() -%}
    {%- if node.resource_type == 'model' and node.package_name == project_name
          and node.config.materialized != 'ephemeral'
          and modules.re.match('^(fct|dim|mart)_', node.name)
          and not node.name.endswith('_restricted') -%}
      {%- do marts.append(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- for relation in marts | sort(attribute='identifier') -%}
    {%- do print("grant select on " ~ relation ~ " to '" ~ user ~ "'@'" ~ host ~ "';") -%}
  {%- endfor -%}
{%- endmacro %}
