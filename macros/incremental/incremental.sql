{#- Incremental builds of the chat funnel (event, session, user-day and daily KPI models).

    What is new is decided by LOAD time, not event time: every raw row carries the time
    its file was loaded (`_loaded_at`), and int_chat_events__resolved carries, per event,
    the later of that and the load time of its bot's latest catalogue version (a new
    version touches every event of the bot: the business-line and tag marts group by the
    current catalogue, and a new default model serves the events from its load on). Each
    incremental model remembers the newest load time it has consumed (its watermark, in
    int_model_watermarks__recorded, written by a post-hook after each successful build),
    so a model that failed or was skipped simply catches up on its next run.

    From the events loaded after its watermark a model derives the reporting days to
    rebuild, like Snowplow's packages derive the sessions of a run:
      - the report_date of every new event (late events included, however late);
      - the sessions those new messages belong to, and every day holding a message of
        such a session: the day the session starts (a session counts on the day of its
        first message and may have started before midnight, days before the new event)
        and the day it started on before (a late, earlier message moves a session back);
    and then rebuilds those days completely: all events, all sessions starting on them,
    all user-day rows and all mart rows. Rebuilding whole days keeps distinct-user counts
    exact (a user counted on a day is counted once, whatever arrived when).

    The set of days is computed when the model runs (run_query) and inlined as literals,
    so every engine prunes by it and the model's SQL never reads its own table (Spark
    cannot overwrite a table it reads in the same statement).

    A session's earlier messages are looked for from its stored start and from at least
    var incremental_lookback_days before the earliest new event (dbt_project.yml).

    Known limits. Watermarks assume files commit in the order of their `_loaded_at` (the
    time the load started): two loads running side by side, the later one committing
    first while a build runs in between, would leave the earlier one's rows unbuilt until
    a `--full-refresh` (DuckDB admits one writer at a time; the pipeline lands, then
    builds). Loader hosts must agree on the clock: a load stamped before a watermark
    already recorded (a clock behind) is never built either.

    A load that commits while a model runs (MySQL and Spark, where another process can
    land during a build), after the model looked up its days and before it read them, is
    read on those days only. So a model records as its watermark no more than it has
    built in full (record_watermark): a model that looks up raw tables (the plan macros
    below) the newest load time those tables held BEFORE the lookup (every row loaded up
    to then has its days rebuilt), and every model no later than the latest recorded
    watermark of each incremental model it reads (that model's rows past its watermark
    may be a partial load). The rows of such a load are then new again to
    the next run, which rebuilds all their days. scripts/ci/concurrent_load_check.py
    lands a load from a model's pre-hook on each engine to check it.

    Emptied days: delete+insert (DuckDB, MySQL) replaces the days present in the rebuilt
    rows and insert_overwrite (Spark) the partitions present, so a day that ends up with
    no rows at all (every session of a day with no exposures or clicks moved to the day
    before by late messages) would keep its old rows. The models keyed by day therefore
    delete the days they rebuild first (delete_rebuilt_days: a delete on DuckDB and
    MySQL, the days' partitions dropped on Spark). -#}


{#- Config for an incremental model, per engine. unique_key = the column whose values
    the new rows replace on DuckDB and MySQL (report_date: whole days; every model of
    this project is keyed by its day column, the session tables too: a key such as
    session_id would get no delete hook, and Spark, which overwrites only the partitions
    present in the new rows, would keep a session in the day it moved away from when it
    was that day's only one); partition_by = the day column Spark overwrites partitions of.

    A model keyed by its day column (unique_key == partition_by) deletes the days it
    rebuilds first: the delete_rebuilt_days pre-hook is added here, not per model, so a
    new model keyed by day cannot forget it (a day that lost its last row would keep its
    old rows). Its SQL must then write its days with one rebuilt_days_comment(...) line,
    or the run fails with a compile error naming the model. through_last_day=true deletes
    every day from the first rebuilt one on (the conversation monitor, which rebuilds
    them all); delete_rebuilt_days='every_day_only' deletes only when the run rebuilds
    every day (no watermark yet, or a changed fingerprint), for a model whose rows keep
    their day between runs with the same fingerprint (int_chat_events__resolved: an event
    never changes its day, but a changed reporting_utc_offset_hours or report_date macro
    moves it, and the day it left, if it keeps no event, would keep the event twice);
    delete_rebuilt_days=false leaves the hook out.

    Other keywords are passed on: watermark_from_self (the model records the newest
    loaded_at of its own rows as its watermark), watermark_from (the model whose newest
    loaded_at it records instead), fingerprint_vars (vars its SQL reads; see
    incremental_fingerprint) and pre_hook (run after the delete). Usage:
        {{ config(**chatbot_analytics.incremental_config(unique_key='report_date')) }} -#}
{% macro incremental_config(unique_key, partition_by='report_date', delete_rebuilt_days=none, through_last_day=false) %}
  {%- set settings = adapter.dispatch('incremental_config', 'chatbot_analytics')(unique_key, partition_by) -%}
  {%- set keyed_by_day = unique_key == partition_by -%}
  {%- set every_day_only = delete_rebuilt_days == 'every_day_only' -%}
  {%- if delete_rebuilt_days is string and not every_day_only -%}
    {{ exceptions.raise_compiler_error("incremental_config: delete_rebuilt_days is true, false or 'every_day_only', got " ~ (delete_rebuilt_days | tojson)) }}
  {%- endif -%}
  {%- set deletes = keyed_by_day if delete_rebuilt_days is none else (every_day_only or delete_rebuilt_days) -%}
  {%- if deletes and not keyed_by_day -%}
    {{ exceptions.raise_compiler_error('incremental_config: delete_rebuilt_days needs unique_key to be the day column (' ~ partition_by ~ '), got ' ~ unique_key) }}
  {%- endif -%}
  {%- if through_last_day and not deletes -%}
    {{ exceptions.raise_compiler_error('incremental_config: through_last_day applies only to a model that deletes its rebuilt days') }}
  {%- endif -%}
  {%- set pre_hooks = [] -%}
  {%- if deletes -%}
    {%- do pre_hooks.append("{{ chatbot_analytics.delete_rebuilt_days('" ~ unique_key ~ "', through_last_day=" ~ (through_last_day | string | lower) ~ ", every_day_only=" ~ (every_day_only | string | lower) ~ ") }}") -%}
  {%- endif -%}
  {%- set extra = kwargs.pop('pre_hook', []) -%}
  {%- do pre_hooks.extend([extra] if extra is string else extra) -%}
  {%- do settings.update(kwargs) -%}
  {%- if pre_hooks -%}
    {%- do settings.update({'pre_hook': pre_hooks}) -%}
  {%- endif -%}
  {{ return(settings) }}
{% endmacro %}

{#- on_schema_change: a table built before a column was added (e.g. loaded_at) gets the
    column, and as no watermark is recorded yet the first run rebuilds every day, filling
    it (dbt-mysql has no schema-change handling: a --full-refresh there). -#}
{% macro default__incremental_config(unique_key, partition_by) %}
  {{ return({
      'materialized': 'incremental',
      'incremental_strategy': 'delete+insert',
      'on_schema_change': 'append_new_columns',
      'unique_key': unique_key,
      'post_hook': ["{{ chatbot_analytics.record_watermark() }}"],
  }) }}
{% endmacro %}

{#- dbt-mysql 1.7 has one incremental strategy: delete the rows whose unique_key is in the
    new rows, then insert them. -#}
{% macro mysql__incremental_config(unique_key, partition_by) %}
  {{ return({
      'materialized': 'incremental',
      'unique_key': unique_key,
      'post_hook': ["{{ chatbot_analytics.record_watermark() }}"],
  }) }}
{% endmacro %}
{% macro mariadb__incremental_config(unique_key, partition_by) %}
  {{ return(chatbot_analytics.mysql__incremental_config(unique_key, partition_by)) }}
{% endmacro %}

{#- Parquet tables cannot delete rows: the model writes whole days and Spark overwrites
    exactly those partitions (dbt-spark sets partitionOverwriteMode=dynamic for
    insert_overwrite with partition_by), after the delete_rebuilt_days hook has dropped
    the partitions of every day the run rebuilds. -#}
{% macro spark__incremental_config(unique_key, partition_by) %}
  {{ return({
      'materialized': 'incremental',
      'incremental_strategy': 'insert_overwrite',
      'on_schema_change': 'append_new_columns',
      'partition_by': [partition_by],
      'file_format': 'parquet',
      'post_hook': ["{{ chatbot_analytics.record_watermark() }}"],
  }) }}
{% endmacro %}


{#- Column types of the watermark table. -#}
{% macro watermark_name_type() %}{{ return(adapter.dispatch('watermark_name_type', 'chatbot_analytics')()) }}{% endmacro %}
{% macro default__watermark_name_type() %}varchar{% endmacro %}
{% macro mysql__watermark_name_type() %}char(255){% endmacro %}
{% macro mariadb__watermark_name_type() %}char(255){% endmacro %}
{% macro spark__watermark_name_type() %}string{% endmacro %}

{% macro type_timestamp() %}{{ return(adapter.dispatch('type_timestamp', 'chatbot_analytics')()) }}{% endmacro %}
{% macro default__type_timestamp() %}timestamp{% endmacro %}
{% macro mysql__type_timestamp() %}datetime(6){% endmacro %}
{% macro mariadb__type_timestamp() %}datetime(6){% endmacro %}

{#- A timestamp literal from text already checked to be 'YYYY-MM-DD HH:MM:SS[.ffffff]'. -#}
{% macro timestamp_literal(text) -%}
cast('{{ chatbot_analytics.validated_timestamp(text) }}' as {{ chatbot_analytics.type_timestamp() }})
{%- endmacro %}

{#- Text 'YYYY-MM-DD[ HH:MM:SS[.ffffff]]' of a date or timestamp (or of its text, which
    is checked before it is inlined into SQL). -#}
{% macro validated_timestamp(value) -%}
  {%- if value is not string and value.hour is defined -%}
    {%- set text = value.strftime('%Y-%m-%d %H:%M:%S.%f') -%}
  {%- elif value is not string and value.year is defined -%}
    {%- set text = value.strftime('%Y-%m-%d') -%}
  {%- else -%}
    {%- set text = value | string | trim -%}
  {%- endif -%}
  {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?)?$', text) -%}
    {{ exceptions.raise_compiler_error("expected a timestamp YYYY-MM-DD HH:MM:SS, got: " ~ (text | tojson)) }}
  {%- endif -%}
  {{- text -}}
{%- endmacro %}


{#- The relation of another model of this project. While parsing this is ref(), so dbt
    records the dependency and builds that model first; when running it is looked up in
    the graph instead, so a unit test of the calling model (which mocks only the inputs
    its SQL selects from) does not need fixtures for the tables read here. -#}
{% macro model_relation(name) %}
  {%- if not execute -%}
    {{ return(ref(name)) }}
  {%- endif -%}
  {%- if graph.nodes is not defined -%}
    {#- a unit test: no graph, and no incremental run that would read the table -#}
    {{ return(none) }}
  {%- endif -%}
  {%- for node in graph.nodes.values() -%}
    {%- if node.resource_type == 'model' and node.name == name and node.package_name == project_name -%}
      {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias, type='table')) }}
    {%- endif -%}
  {%- endfor -%}
  {{ exceptions.raise_compiler_error('model_relation: no model named ' ~ name) }}
{% endmacro %}

{#- The watermark table (a model, so dbt creates it before the models that write it). -#}
{% macro watermark_relation() %}
  {{ return(chatbot_analytics.model_relation('int_model_watermarks__recorded')) }}
{% endmacro %}

{#- True when this build adds to an existing table (not a full build). A unit test has
    no `this`: it always tests the full build. -#}
{% macro incremental_run() %}
  {{ return(execute and this is not none and is_incremental()) }}
{% endmacro %}

{#- What a model's stored rows were computed with, besides the raw data: the SQL files
    of the model and of every model upstream of it (dbt's checksum of each file), the
    seed files their tables were last loaded from (dbt's checksum, recorded by
    `dbt seed`: the file itself until a load has been recorded) and the vars its SQL
    reads. A watermark counts only under the same fingerprint, so after an analyst edits
    a keyword list, a threshold or a model's SQL (a new KPI column) the next run
    rebuilds every day of the models affected and of those downstream of them: no
    `--full-refresh` to remember. The vars are the model's config `fingerprint_vars`
    plus reporting_utc_offset_hours, which every report_date depends on, and those of
    every model upstream; the user-key salt is included hashed. The text of every macro
    of this project counts too (project_macros_fingerprint), so an edited KPI or date
    macro rebuilds the history of every incremental model once. -#}
{% macro incremental_fingerprint() %}
  {%- if not execute or graph.nodes is not defined -%}
    {{ return('') }}
  {%- endif -%}
  {%- set parts = [] -%}
  {%- set var_names = ['reporting_utc_offset_hours'] + (config.get('fingerprint_vars') or []) -%}
  {#- this model and every model and seed upstream of it (breadth-first over depends_on),
      with the fingerprint_vars of every upstream model: a var that changes the rows of
      int_conversations__rated changes those of the marts built from it -#}
  {%- set queue = [model.unique_id] -%}
  {%- set seen = [] -%}
  {%- set seeds = {} -%}
  {%- for _ in range(1000) if queue -%}
    {%- set node_id = queue.pop(0) -%}
    {%- if node_id not in seen -%}
      {%- do seen.append(node_id) -%}
      {%- set node = graph.nodes.get(node_id) -%}
      {%- if node is not none and node.resource_type == 'seed' -%}
        {%- do seeds.update({node.name: node.checksum.checksum}) -%}
      {%- elif node is not none and node.resource_type == 'model' -%}
        {%- do parts.append(node.name ~ '=' ~ node.checksum.checksum) -%}
        {%- do queue.extend(node.depends_on.nodes) -%}
        {%- do var_names.extend(node.config.get('fingerprint_vars') or []) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {#- a seed counts by the file its table was last loaded from (record_seed_load), not the
      file as it is now: after an edit, a `dbt run` before `dbt seed` reads the old rows -#}
  {%- set loaded = chatbot_analytics.loaded_seed_checksums(seeds.keys() | list) if seeds else {} -%}
  {%- for name, checksum in seeds.items() -%}
    {%- do parts.append(name ~ '=' ~ (loaded.get(name) or checksum)) -%}
  {%- endfor -%}
  {%- for name in var_names | unique | sort -%}
    {%- do parts.append(name ~ '=' ~ (var(name) | string)) -%}
  {%- endfor -%}
  {%- do parts.append('user_key_salt=' ~ local_md5(chatbot_analytics.user_key_salt())) -%}
  {%- do parts.append('macros=' ~ chatbot_analytics.project_macros_fingerprint()) -%}
  {{ return(local_md5(parts | sort | join('|'))) }}
{% endmacro %}

{#- md5 of the SQL of every macro of this project. Coarse on purpose: which macros a model
    reaches cannot be read reliably (dbt records only the calls it saw while parsing, and
    adapter.dispatch picks an implementation at run time), and a macro edit is rare; a
    full rebuild of the incremental models once is what `--full-refresh` would do. -#}
{% macro project_macros_fingerprint() %}
  {%- set parts = [] -%}
  {%- set macros = context.get(project_name) or {} -%}
  {%- for name in macros | sort -%}
    {%- do parts.append(name ~ '=' ~ local_md5(macros[name].macro.macro_sql)) -%}
  {%- endfor -%}
  {{ return(local_md5(parts | join('|'))) }}
{% endmacro %}

{#- The newest load time this model has consumed, as text, or none: none on a full build
    (nothing to compare with), when no watermark was recorded, and when the model's
    fingerprint differs from the one of its LATEST recorded build (the model then
    rebuilds every day, which is correct, only slower). Only the latest row counts: a
    change back to a setting built with before (a reverted seed edit, a plain build after
    a one-off --vars build) finds an older row with that fingerprint, but the stored rows
    were computed with the setting in between, so they are rebuilt too. Rows recorded
    before recorded_at existed have none: the first run after the upgrade rebuilds every
    day once. -#}
{% macro incremental_watermark() %}
  {%- set relation = chatbot_analytics.watermark_relation() -%}
  {%- if not chatbot_analytics.incremental_run() -%}
    {{ return(none) }}
  {%- endif -%}
  {%- if relation is none or load_relation(relation) is none -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set query -%}
    select {{ chatbot_analytics.cast_text('max(loaded_at)') }} as loaded_at
    from {{ relation }}
    where model_name = '{{ this.identifier }}'
        and config_fingerprint = '{{ chatbot_analytics.incremental_fingerprint() }}'
        and recorded_at = (
            select max(recorded_at)
            from {{ relation }}
            where model_name = '{{ this.identifier }}'
        )
  {%- endset -%}
  {%- set value = run_query(query).columns[0].values()[0] -%}
  {{ return(none if value is none else chatbot_analytics.validated_timestamp(value)) }}
{% endmacro %}

{#- Post-hook of every incremental model: the load time it has now consumed, with its
    fingerprint. A model with its own loaded_at column (config watermark_from_self=true:
    int_chat_events__resolved and the conversation models) records the newest load its
    plan saw before looking up its days (the `-- newest load seen:` line; on a full build
    too: every row loaded up to it was read), not the newest of its own rows; a model
    with config watermark_from (the per-day quality marts) the newest loaded_at of that
    model; the funnel's other models, which carry none, the newest loaded_at of
    int_chat_events__resolved. Capped at what the model has built in full: no later than
    the latest recorded watermark of every incremental model it reads (see the top of this
    file); a model read that has recorded none gives no watermark (every day next run). -#}
{% macro record_watermark() %}
  {%- set relation = chatbot_analytics.watermark_relation() -%}
  {%- if execute and relation is not none and load_relation(relation) is not none -%}
    {%- set caps = [] -%}
    {%- if config.get('watermark_from_self') -%}
      {%- set source = this -%}
      {%- set newest_load = chatbot_analytics.newest_load_of_compiled_model() -%}
      {%- if newest_load is not none -%}
        {%- do caps.append(newest_load) -%}
      {%- endif -%}
    {%- elif config.get('watermark_from') -%}
      {%- set source = chatbot_analytics.model_relation(config.get('watermark_from')) -%}
    {%- else -%}
      {%- set source = chatbot_analytics.model_relation('int_chat_events__resolved') -%}
    {%- endif -%}
    {%- set upstream = chatbot_analytics.upstream_watermarks() -%}
    {%- set unrecorded = upstream.values() | select('none') | list -%}
    {%- if not config.get('watermark_from_self') and load_relation(source) is none -%}
      {#- a model built before the table it takes its watermark from exists (a model
          selected alone): a NULL watermark, so the next run rebuilds every day -#}
      {%- do unrecorded.append(source) -%}
      {%- set source = '(select 1 as one) as single_row' -%}
    {%- endif -%}
    {%- do caps.extend(upstream.values() | reject('none')) -%}
    {%- set sortable = [] -%}
    {%- for text in caps -%}
      {%- do sortable.append(chatbot_analytics._sortable_timestamp(text)) -%}
    {%- endfor -%}
    {%- set cap = chatbot_analytics.timestamp_literal(sortable | sort | first) if caps else none -%}
    {%- if unrecorded -%}
      {%- set consumed = 'cast(null as ' ~ chatbot_analytics.type_timestamp() ~ ')' -%}
    {%- elif config.get('watermark_from_self') and newest_load is not none -%}
      {#- The horizon: every row loaded up to the newest load the plan saw was looked up
          and built, whether or not this model kept a row of it, so a load of another
          table the plan reads (judgements land after their logs) is not new again to
          the next run. One row, also when the model kept no row. -#}
      {%- set consumed = cap -%}
      {%- set source = '(select 1 as one) as single_row' -%}
    {%- elif cap is not none -%}
      {%- set consumed = 'case when max(loaded_at) > ' ~ cap ~ ' then ' ~ cap ~ ' else max(loaded_at) end' -%}
    {%- else -%}
      {%- set consumed = 'max(loaded_at)' -%}
    {%- endif -%}
    {{ chatbot_analytics.insert_watermark_row(relation, this.identifier, consumed, chatbot_analytics.incremental_fingerprint(), source) }}
  {%- endif -%}
{% endmacro %}

{#- The INSERT of one watermark row: name, loaded_at (an SQL expression over `source`),
    this invocation, the fingerprint and now. record_watermark and record_seed_load. -#}
{% macro insert_watermark_row(relation, name, loaded_at, fingerprint, source='(select 1 as one) as single_row') -%}
    insert into {{ relation }} (model_name, loaded_at, invocation_id, config_fingerprint, recorded_at)
    select
        '{{ name }}',
        {{ loaded_at }},
        '{{ invocation_id }}',
        '{{ fingerprint }}',
        {{ chatbot_analytics.timestamp_literal(modules.datetime.datetime.utcnow()) }}
    from {{ source }}
{%- endmacro %}

{#- The incremental models (those recording a watermark) this model reads, directly or
    through views and tables that are not incremental, with the latest watermark each
    has recorded (text, or none when it has recorded none): {table name: watermark}. -#}
{% macro upstream_watermarks() %}
  {%- set names = [] -%}
  {%- set queue = [] + model.depends_on.nodes -%}
  {%- set seen = [] -%}
  {%- for _ in range(1000) if queue -%}
    {%- set node_id = queue.pop(0) -%}
    {%- set node = graph.nodes.get(node_id) -%}
    {%- if node_id not in seen and node is not none and node.resource_type == 'model' -%}
      {%- do seen.append(node_id) -%}
      {%- set records = [] -%}
      {%- for hook in node.config.get('post-hook') or node.config.get('post_hook') or [] -%}
        {%- if 'record_watermark' in (hook.sql if hook.sql is defined else hook | string) -%}
          {%- do records.append(hook) -%}
        {%- endif -%}
      {%- endfor -%}
      {%- if records -%}
        {%- do names.append(node.alias or node.name) -%}
      {%- else -%}
        {%- do queue.extend(node.depends_on.nodes) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set watermarks = {} -%}
  {%- for name, text in chatbot_analytics.latest_recorded(names, 'loaded_at').items() -%}
    {%- do watermarks.update({name: none if text is none else chatbot_analytics.validated_timestamp(text)}) -%}
  {%- endfor -%}
  {{ return(watermarks) }}
{% endmacro %}

{#- The value of `column` (as text) in the latest row (newest recorded_at) the watermark
    table holds for each of `names`: {name: text, or none without a row or value}. The
    caller knows the table exists. -#}
{% macro latest_recorded(names, column) %}
  {%- set latest = {} -%}
  {%- for name in names -%}
    {%- do latest.update({name: none}) -%}
  {%- endfor -%}
  {%- if names -%}
    {%- set relation = chatbot_analytics.watermark_relation() -%}
    {%- set query -%}
      select recorded.model_name, {{ chatbot_analytics.cast_text('max(recorded.' ~ column ~ ')') }} as recorded_value
      from {{ relation }} as recorded
      inner join (
          select model_name, max(recorded_at) as recorded_at
          from {{ relation }}
          where model_name in ('{{ names | join("', '") }}')
          group by model_name
      ) as latest
          on recorded.model_name = latest.model_name
          and recorded.recorded_at = latest.recorded_at
      group by recorded.model_name
    {%- endset -%}
    {%- for row in run_query(query).rows -%}
      {%- set name = row[0] | trim -%}
      {%- if name in latest and row[1] is not none -%}
        {%- do latest.update({name: row[1] | string | trim}) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(latest) }}
{% endmacro %}

{#- A timestamp text as 'YYYY-MM-DD HH:MM:SS.ffffff', so texts compare as times. -#}
{% macro _sortable_timestamp(text) %}
  {%- set text = chatbot_analytics.validated_timestamp(text) -%}
  {%- if text | length == 10 -%}
    {%- set text = text ~ ' 00:00:00' -%}
  {%- endif -%}
  {%- if text | length == 19 -%}
    {%- set text = text ~ '.' -%}
  {%- endif -%}
  {{ return(text ~ ('0' * (26 - text | length))) }}
{% endmacro %}

{#- The watermark table's columns, (name, type): the model int_model_watermarks__recorded
    selects them, prepare_watermark_table creates or completes the table with them. -#}
{% macro watermark_columns() %}
  {{ return([
      ('model_name', chatbot_analytics.watermark_name_type()),
      ('loaded_at', chatbot_analytics.type_timestamp()),
      ('invocation_id', chatbot_analytics.watermark_name_type()),
      ('config_fingerprint', chatbot_analytics.watermark_name_type()),
      ('recorded_at', chatbot_analytics.type_timestamp()),
  ]) }}
{% endmacro %}

{#- on-run-start of every `dbt seed`, `dbt run` and `dbt build` (dbt_project.yml): the
    watermark table as this version of the project has it, before any node runs. Created
    when missing, so the seeds' post-hooks (record_seed_load) find it in the very first
    build too (the watermark model, which has no parents, may run after them); the model
    then finds it and appends nothing. The columns a table created by an older version
    lacks are added (dbt-mysql has no schema-change handling; on every engine the first
    model that reads recorded_at finds it). Renders nothing when the table is complete. -#}
{% macro prepare_watermark_table() %}
  {%- set relation = chatbot_analytics.watermark_relation() if execute and flags.WHICH in ('seed', 'run', 'build') else none -%}
  {%- if relation is not none and load_relation(relation) is none -%}
    {%- do adapter.cache_added(relation) -%}
    {{ adapter.dispatch('create_table_sql', 'chatbot_analytics')(relation, chatbot_analytics.watermark_columns()) }}
  {%- elif relation is not none -%}
    {%- set existing = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- set missing = [] -%}
    {%- for name, type in chatbot_analytics.watermark_columns() if name not in existing -%}
      {%- do missing.append((name, type)) -%}
    {%- endfor -%}
    {%- if missing -%}
      {{ adapter.dispatch('add_columns_sql', 'chatbot_analytics')(relation, missing) }}
    {%- endif -%}
  {%- endif -%}
{% endmacro %}

{#- CREATE TABLE IF NOT EXISTS with (name, type) columns; Spark's as parquet, like the
    tables dbt-spark creates for this project. -#}
{% macro default__create_table_sql(relation, columns) -%}
create table if not exists {{ relation }} (
  {%- for name, type in columns %}{{ name }} {{ type }}{% if not loop.last %}, {% endif %}{% endfor -%}
)
{%- endmacro %}
{% macro spark__create_table_sql(relation, columns) -%}
{{ chatbot_analytics.default__create_table_sql(relation, columns) }} using parquet
{%- endmacro %}

{#- One ALTER TABLE adding (name, type) columns: MySQL takes a list of ADD clauses,
    Spark one ADD COLUMNS list, DuckDB one column per statement. -#}
{% macro default__add_columns_sql(relation, columns) -%}
alter table {{ relation }}
  {%- for name, type in columns %} add column {{ name }} {{ type }}{% if not loop.last %},{% endif %}{% endfor %}
{%- endmacro %}
{% macro duckdb__add_columns_sql(relation, columns) -%}
  {%- for name, type in columns %}alter table {{ relation }} add column {{ name }} {{ type }};{% endfor %}
{%- endmacro %}
{% macro spark__add_columns_sql(relation, columns) -%}
alter table {{ relation }} add columns (
  {%- for name, type in columns %}{{ name }} {{ type }}{% if not loop.last %}, {% endif %}{% endfor -%}
)
{%- endmacro %}


{#- Run a query whose single column holds dates or timestamps; return them as text. -#}
{% macro _query_texts(query) %}
  {%- set texts = [] -%}
  {%- for value in run_query(query).columns[0].values() -%}
    {%- if value is not none -%}
      {%- do texts.append(chatbot_analytics.validated_timestamp(value)) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(texts) }}
{% endmacro %}

{#- The first row of a query of dates or timestamps, as text (none stays none). -#}
{% macro _query_row(query) %}
  {%- set row = run_query(query).rows[0] -%}
  {%- set texts = [] -%}
  {%- for value in row -%}
    {%- do texts.append(none if value is none else chatbot_analytics.validated_timestamp(value)) -%}
  {%- endfor -%}
  {{ return(texts) }}
{% endmacro %}

{% macro _min_text(texts) %}
  {{ return((texts | sort | first) if texts else none) }}
{% endmacro %}

{#- Text of a timestamp `days` days before `text`. -#}
{% macro _days_before(text, days) %}
  {%- set parsed = modules.datetime.datetime.strptime(text[:19] if text | length > 10 else text ~ ' 00:00:00', '%Y-%m-%d %H:%M:%S') -%}
  {{ return((parsed - modules.datetime.timedelta(days=days | int)).strftime('%Y-%m-%d %H:%M:%S')) }}
{% endmacro %}


{#- What an incremental build of int_chat_events__resolved rewrites: {dates: the days of
    events loaded after the watermark and every day of a bot with a catalogue version
    loaded after it (none = build everything: a full build, or no watermark yet),
    newest_load: the newest load time of the raw events and catalogue, read before the
    days, on a full build too (see the top of this file; none before dbt executes)}. -#}
{% macro resolved_rebuild_plan() %}
  {%- if not execute -%}
    {{ return({'dates': none, 'newest_load': none}) }}
  {%- endif -%}
  {#- source() at run time only, as in message_rebuild_plan. Read first, on a full build
      too: the model records it as its watermark (record_watermark). -#}
  {%- set newest_load = chatbot_analytics.newest_load([
      (source('chat_platform', 'chat_events'), '_loaded_at'), (source('chat_platform', 'bots'), '_loaded_at')]) -%}
  {%- set since = chatbot_analytics.incremental_watermark() -%}
  {%- if not chatbot_analytics.incremental_run() or since is none -%}
    {{ return({'dates': none, 'newest_load': newest_load}) }}
  {%- endif -%}
  {%- set events = chatbot_analytics.model_relation('stg_chat_platform__chat_events') -%}
  {%- set bots = chatbot_analytics.model_relation('stg_chat_platform__bots') -%}
  {%- set query -%}
    select distinct report_date
    from {{ events }}
    where loaded_at > {{ chatbot_analytics.timestamp_literal(since) }}
    union
    select distinct events.report_date
    from {{ events }} as events
    inner join {{ bots }} as bots
        on events.bot_id = bots.bot_id
    where bots.loaded_at > {{ chatbot_analytics.timestamp_literal(since) }}
  {%- endset -%}
  {{ return({'dates': chatbot_analytics._query_texts(query) | sort, 'newest_load': newest_load}) }}
{% endmacro %}

{#- The newest load time of some raw tables, as text, or none when they hold no row:
    `sources` is a list of (relation, column) pairs, column `_loaded_at` of a raw table.
    A table that does not exist yet is left out (a plan runs on every build, also a
    `dbt compile` or `dbt docs generate` on a warehouse nothing was loaded into). One
    statement, so one snapshot; a plan reads it BEFORE it looks up its days, so every
    row loaded up to it is among the rows the lookup sees. -#}
{% macro newest_load(sources) %}
  {%- set present = [] -%}
  {%- for relation, column in sources if load_relation(relation) is not none -%}
    {%- do present.append((relation, column)) -%}
  {%- endfor -%}
  {%- if not present -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set query -%}
    select max(newest) from (
    {%- for relation, column in present %}
        select max({{ column }}) as newest from {{ relation }}{{ ' union all' if not loop.last }}
    {%- endfor %}
    ) as loads
  {%- endset -%}
  {{ return(chatbot_analytics._query_row(query)[0]) }}
{% endmacro %}


{#- The reporting days an incremental build of a model downstream of
    int_chat_events__resolved rewrites (see the top of this file); none = everything.
    `sessions` is the session table whose session_start bounds the search for a
    session's earlier messages: the model's own table (`this`) for the sessionisation
    (its state before this run), int_chat_sessions__sessionized (the default, a model
    name) for the models after it. -#}
{% macro funnel_rebuild_dates(sessions='int_chat_sessions__sessionized') %}
  {%- set since = chatbot_analytics.incremental_watermark() -%}
  {%- set resolved = chatbot_analytics.model_relation('int_chat_events__resolved') -%}
  {%- set sessions = chatbot_analytics.model_relation(sessions) if sessions is string else sessions -%}
  {%- if not chatbot_analytics.incremental_run() or since is none -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set is_new = 'loaded_at > ' ~ chatbot_analytics.timestamp_literal(since) -%}
  {%- set new_sessions -%}
    select session_id from {{ resolved }} where {{ is_new }} and is_message = 1
  {%- endset -%}
  {#- Where the earlier messages of the touched sessions can be: from the stored start of
      each session (exact for every session built before), and at least
      incremental_lookback_days before the earliest new event. -#}
  {%- set bounds_query -%}
    select
        (select {{ chatbot_analytics.cast_text('min(event_time)') }} from {{ resolved }} where {{ is_new }}) as new_from,
        (select {{ chatbot_analytics.cast_text('min(session_start)') }} from {{ sessions }} where session_id in ({{ new_sessions }})) as stored_from
  {%- endset -%}
  {%- set bounds = chatbot_analytics._query_row(bounds_query) -%}
  {%- if bounds[0] is none -%}
    {{ return([]) }}
  {%- endif -%}
  {%- set lookback_from = chatbot_analytics._days_before(bounds[0], chatbot_analytics.number_var('incremental_lookback_days')) -%}
  {%- set scan_from = chatbot_analytics._min_text([lookback_from] + ([bounds[1]] if bounds[1] is not none else [])) -%}
  {%- set dates_query -%}
    select distinct report_date from {{ resolved }} where {{ is_new }}
    union
    select distinct report_date
    from {{ resolved }}
    where is_message = 1
        and event_time >= {{ chatbot_analytics.timestamp_literal(scan_from) }}
        and session_id in ({{ new_sessions }})
  {%- endset -%}
  {{ return(chatbot_analytics._query_texts(dates_query) | sort) }}
{% endmacro %}


{#- The earliest message time of the sessions that have a message on one of `dates`:
    the sessionisation reads messages from here on, so every such session is rebuilt
    from its first message. Stored sessions give their start; sessions not stored yet
    have all their messages on the days being rebuilt (they are all new). -#}
{% macro session_scan_start(dates, sessions) %}
  {%- set resolved = chatbot_analytics.model_relation('int_chat_events__resolved') -%}
  {%- if not execute or dates is none or not dates -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set on_dates -%}
    select session_id from {{ resolved }} where is_message = 1 and {{ chatbot_analytics.in_report_dates('report_date', dates) }}
  {%- endset -%}
  {%- set query -%}
    select {{ chatbot_analytics.cast_text('min(event_time)') }}
    from {{ resolved }}
    where is_message = 1 and {{ chatbot_analytics.in_report_dates('report_date', dates) }}
    union all
    select {{ chatbot_analytics.cast_text('min(session_start)') }}
    from {{ sessions }}
    where session_id in ({{ on_dates }})
  {%- endset -%}
  {{ return(chatbot_analytics._min_text(chatbot_analytics._query_texts(query))) }}
{% endmacro %}


{#- What an incremental build of a per-message conversation model rewrites
    (int_conversation_logs__deduplicated, int_conversations__*): {dates, newest_load}
    as in resolved_rebuild_plan (newest_load over the raw log lines and judgements).
    dates (none = everything): the days of messages whose log row was loaded after the
    watermark (a message logged again, e.g. its enhanced form
    arriving later, included), the days those messages were stored on before (the
    enhanced form may carry a time on the other side of midnight), and, with
    `judgements`, the days of messages judged after the watermark. -#}
{% macro message_rebuild_plan(judgements=false) %}
  {%- if not execute -%}
    {{ return({'dates': none, 'newest_load': none}) }}
  {%- endif -%}
  {#- New log lines are looked up in the raw table, by its load time (its own columns,
      no view to compute). The lines loaded after the watermark include the kept line of
      every message int_conversation_logs__deduplicated keeps from a newer load; the few
      others (a basic form logged again after its enhanced one) only rebuild a day
      unchanged. (source() at run time: dbt checks no parse-time dependency for
      sources.) -#}
  {%- set raw_logs = source('chainlit', 'conversation_logs') -%}
  {%- set raw_judged = source('chainlit', 'quality_judgements') -%}
  {#- Every conversation model reads the newest load of the logs AND the judgements, also
      those that read no judgement: int_conversations__rated records no later than the
      watermarks of the log models it reads, and judgements land after their logs, so
      with the log load alone as those models' horizon the judgements of every load
      would be new again to the rated model's next run (after a full build: every
      judged day rebuilt). The raw judgements table: a model that reads no judgement
      does not wait for their staging view. -#}
  {%- set newest_load = chatbot_analytics.newest_load([(raw_logs, '_loaded_at'), (raw_judged, '_loaded_at')]) -%}
  {%- set since = chatbot_analytics.incremental_watermark() -%}
  {%- if not chatbot_analytics.incremental_run() or since is none -%}
    {{ return({'dates': none, 'newest_load': newest_load}) }}
  {%- endif -%}
  {#- the judgements looked up through their staging view (the rated model's parent) -#}
  {%- set judged = chatbot_analytics.model_relation('stg_chainlit__quality_judgements') -%}
  {%- set is_new = '_loaded_at > ' ~ chatbot_analytics.timestamp_literal(since) -%}
  {%- set query -%}
    select distinct {{ chatbot_analytics.report_date('logged_at') }} as report_date from {{ raw_logs }} where {{ is_new }}
    union
    select distinct report_date from {{ this }}
    where message_id in (select message_id from {{ raw_logs }} where {{ is_new }})
    {%- if judgements %}
    union
    -- a judged message is stored already, or its log is new (the first query)
    select distinct report_date from {{ this }}
    where message_id in (
        select message_id from {{ judged }}
        where loaded_at > {{ chatbot_analytics.timestamp_literal(since) }}
    )
    {%- endif %}
  {%- endset -%}
  {{ return({'dates': chatbot_analytics._query_texts(query) | sort, 'newest_load': newest_load}) }}
{% endmacro %}


{#- The reporting days an incremental build of a per-day quality mart rewrites (the marts
    that read int_conversations__rated by whole days; config
    watermark_from='int_conversations__rated'): none = everything. Its watermark is the
    newest loaded_at of int_conversations__rated it has consumed, and that loaded_at is
    the later of the log row's and the judgement's load time, so the days of rated rows
    newer than the watermark are those of new and newly judged messages. A message logged
    again may have left a day (its enhanced form on the other side of midnight): every
    day any raw log row of a newly logged message falls on is rebuilt too, which covers
    the day it was on before. -#}
{% macro rated_mart_rebuild_dates() %}
  {%- set since = chatbot_analytics.incremental_watermark() -%}
  {%- set rated = chatbot_analytics.model_relation('int_conversations__rated') -%}
  {%- if not chatbot_analytics.incremental_run() or since is none -%}
    {{ return(none) }}
  {%- endif -%}
  {#- source() at run time only, as in message_rebuild_plan -#}
  {%- set raw_logs = source('chainlit', 'conversation_logs') -%}
  {%- set since_literal = chatbot_analytics.timestamp_literal(since) -%}
  {%- set query -%}
    select distinct report_date from {{ rated }} where loaded_at > {{ since_literal }}
    union
    select distinct {{ chatbot_analytics.report_date('logged_at') }} as report_date
    from {{ raw_logs }}
    where message_id in (select message_id from {{ raw_logs }} where _loaded_at > {{ since_literal }})
  {%- endset -%}
  {{ return(chatbot_analytics._query_texts(query) | sort) }}
{% endmacro %}


{#- The days a model rebuilds, written into its SQL as a comment line so that its
    pre-hook (delete_rebuilt_days) reads them back instead of computing them again: the
    days are looked up once, when the model is compiled, and the hook deletes exactly
    the days the model's SQL rebuilds. Usage, after the days are set:
        {{ chatbot_analytics.rebuilt_days_comment(rebuild_dates) }}
    A model that records its own watermark (watermark_from_self) passes its plan's
    newest_load too, for record_watermark (a second line; required for such a model):
        {{ chatbot_analytics.rebuilt_days_comment(rebuild_dates, newest_load=plan.newest_load) }} -#}
{% macro rebuilt_days_comment(dates) -%}
-- rebuilt days: {{ 'all' if dates is none else ((dates | join(' ')) if dates else 'none') }}
{%- if 'newest_load' in kwargs %}
-- newest load seen: {{ 'none' if kwargs['newest_load'] is none else chatbot_analytics.validated_timestamp(kwargs['newest_load']) }}
{%- endif -%}
{%- endmacro %}

{#- The newest_load of rebuilt_days_comment in the compiled SQL of the model being run
    (none: the raw tables its plan reads held no row). -#}
{% macro newest_load_of_compiled_model() %}
  {%- set text = chatbot_analytics._compiled_comment('newest load seen', 'watermark_from_self needs rebuilt_days_comment(dates, newest_load=plan.newest_load) in the model (one line -- newest load seen:)') -%}
  {{ return(none if text == 'none' else chatbot_analytics.validated_timestamp(text)) }}
{% endmacro %}

{#- The text after `-- <label>: ` on the one line of rebuilt_days_comment that carries it,
    in the compiled SQL of the model being run (known only while it runs: for a hook).
    Not exactly one such line: a compile error naming the model and `requirement`. -#}
{% macro _compiled_comment(label, requirement) %}
  {%- set found = modules.re.findall('-- ' ~ label ~ ': (.*)', compiled_code or '') -%}
  {%- if found | length != 1 -%}
    {{ exceptions.raise_compiler_error(model.name ~ ': ' ~ requirement ~ ', found ' ~ (found | length)) }}
  {%- endif -%}
  {{ return(found[0] | trim) }}
{% endmacro %}

{#- The days of rebuilt_days_comment in the compiled SQL of the model being run (none =
    all, [] = none). For a hook: compiled_code is known only while the model runs. -#}
{% macro rebuilt_days_of_compiled_model() %}
  {%- if not execute -%}
    {#- parsing renders hooks too, before any SQL is compiled -#}
    {{ return(none) }}
  {%- endif -%}
  {%- set text = chatbot_analytics._compiled_comment('rebuilt days', 'delete_rebuilt_days needs exactly one rebuilt_days_comment(...) line in the model') -%}
  {%- if text == 'all' -%}
    {{ return(none) }}
  {%- elif text == 'none' -%}
    {{ return([]) }}
  {%- endif -%}
  {%- set dates = [] -%}
  {%- for part in text.split(' ') if part -%}
    {%- do dates.append(chatbot_analytics.validated_timestamp(part)) -%}
  {%- endfor -%}
  {{ return(dates) }}
{% endmacro %}

{#- Pre-hook of every incremental model keyed by its day column, added by
    incremental_config (the funnel's user-day table and daily KPI marts, the kept log
    lines and the per-answer conversation models, the per-day quality marts, the
    conversation monitor): delete the days this run rebuilds before the insert.
    delete+insert alone replaces only the days present in the new rows, so a day whose
    last row went away (the only poor answer of a day re-judged good; the only session
    of a day moved to the day before by a late message; the only answer of a day moved
    to the day before by its enhanced line) would keep its old rows. `column` is the
    model's day column; with through_last_day every day from the first rebuilt one on is
    deleted (the conversation monitor, which rebuilds them all). The days are those the
    model's SQL was compiled with (rebuilt_days_comment); when that is every day in an
    incremental run (no watermark yet, or a changed fingerprint), every stored row goes. Runs in the model's transaction
    on DuckDB; if the build fails elsewhere (or, on Spark, which has no transactions,
    after the drop), no watermark is recorded and the next run rebuilds these days again. -#}
{% macro delete_rebuilt_days(column='report_date', through_last_day=false, every_day_only=false) %}
  {{ return(adapter.dispatch('delete_rebuilt_days', 'chatbot_analytics')(column, through_last_day, every_day_only)) }}
{% endmacro %}
{% macro default__delete_rebuilt_days(column, through_last_day, every_day_only=false) -%}
  {%- set dates = chatbot_analytics.rebuilt_days_of_compiled_model() -%}
  {%- if every_day_only and dates is not none -%}
    {#- some days: the model's rows keep their day, delete+insert replaces them -#}
  {%- elif dates is none and chatbot_analytics.incremental_run() -%}
    {#- every day rebuilt (no watermark, or a changed fingerprint) in an incremental run:
        a stored day the rebuild no longer writes must go as well -#}
    delete from {{ this }}
  {%- elif dates is not none and dates -%}
    delete from {{ this }}
    where {{ chatbot_analytics.in_report_dates(column, dates, and_later_days=through_last_day) }}
  {%- endif -%}
{%- endmacro %}
{#- Spark: drop the days' partitions (parquet tables cannot delete rows; insert_overwrite
    then writes the partitions present in the new rows). A partition spec names one
    value, so through_last_day looks up the stored days from the first rebuilt one on. -#}
{% macro spark__delete_rebuilt_days(column, through_last_day, every_day_only=false) -%}
  {%- set dates = chatbot_analytics.rebuilt_days_of_compiled_model() -%}
  {%- set every_day = dates is none and chatbot_analytics.incremental_run() -%}
  {%- if not every_day and (dates is none or not dates or every_day_only) -%}
    {{ return('') }}
  {%- endif -%}
  {%- if every_day or through_last_day -%}
    {#- every stored day (every day rebuilt in an incremental run), or every one from the
        first rebuilt day on -#}
    {%- set stored -%}
      select distinct {{ chatbot_analytics.cast_text(column) }}
      from {{ this }}
      where {{ chatbot_analytics.in_report_dates(column, dates, and_later_days=true) }}
    {%- endset -%}
    {%- set dates = chatbot_analytics._query_texts(stored) | sort -%}
  {%- endif -%}
  {%- if dates -%}
    alter table {{ this }} drop if exists
    {%- for day in dates %}
        partition ({{ column }} = '{{ day[:10] }}'){{ ',' if not loop.last }}
    {%- endfor %}
  {%- endif -%}
{%- endmacro %}


{#- `column in (dates)` (dates sorted); with and_later_days, `column >= the first of
    dates` (a model that rebuilds every day from the first touched one on). `1 = 1` when
    dates is none (a full build), `1 = 0` when empty. -#}
{% macro in_report_dates(column, dates, and_later_days=false) -%}
  {%- if dates is none -%}
    1 = 1
  {%- elif not dates -%}
    1 = 0
  {%- elif and_later_days -%}
    {{ column }} >= {{ chatbot_analytics.date_literal((dates | first)[:10]) }}
  {%- else -%}
    {#- the range too: every engine can skip stored blocks or partitions by it -#}
    ({{ column }} >= {{ chatbot_analytics.date_literal((dates | first)[:10]) }}
        and {{ column }} <= {{ chatbot_analytics.date_literal((dates | last)[:10]) }}
        and {{ column }} in ({% for d in dates %}{{ chatbot_analytics.date_literal(d[:10]) }}{{ ', ' if not loop.last }}{% endfor %}))
  {%- endif -%}
{%- endmacro %}

{#- The day `days` before the first of dates, as 'YYYY-MM-DD'; none when dates is none
    or empty. -#}
{% macro days_before_first(dates, days) %}
  {%- if dates is none or not dates -%}
    {{ return(none) }}
  {%- endif -%}
  {{ return(chatbot_analytics._days_before(dates | first, days)[:10]) }}
{% endmacro %}

{#- `column < the first of dates`: 1 = 0 when dates is none or empty (nothing before). -#}
{% macro before_first_date(column, dates) -%}
  {%- if dates is none or not dates -%}
    1 = 0
  {%- else -%}
    {{ column }} < {{ chatbot_analytics.date_literal((dates | first)[:10]) }}
  {%- endif -%}
{%- endmacro %}

{#- The rows on `dates` of a table that has a day column and the time it is computed from:
    the day filter, and the time range around the days, which lets an engine skip the
    stored blocks of other days where the day column is an expression (a staging view's
    report_date) and so has no stored min/max. `1 = 1` on a full build. -#}
{% macro on_rebuilt_days(dates, time_column, day_column='report_date') -%}
    {{ chatbot_analytics.in_report_dates(day_column, dates) }}
    and {{ chatbot_analytics.event_time_near_dates(time_column, dates) }}
{%- endmacro %}

{#- An event_time range around `dates` (a day of margin for the reporting offset), so an
    engine can skip stored blocks of other days even where report_date is computed. -#}
{% macro event_time_near_dates(column, dates) -%}
  {%- if dates is none or not dates -%}
    1 = 1
  {%- else -%}
    {%- set first = chatbot_analytics._days_before(dates | first, 1) -%}
    {%- set last = chatbot_analytics._days_before(dates | last, -2) -%}
    {{ column }} >= {{ chatbot_analytics.timestamp_literal(first) }} and {{ column }} < {{ chatbot_analytics.timestamp_literal(last) }}
  {%- endif -%}
{%- endmacro %}


{#- Rows stored in day order: DuckDB keeps min/max per block of rows, so an incremental
    run that reads a few days skips the blocks of every other day (an aggregate's output
    is in no order at all). Spark partitions by day and MySQL cannot skip blocks: no
    clause there. Put it last in a model's query. -#}
{% macro storage_order(column) %}{{ return(adapter.dispatch('storage_order', 'chatbot_analytics')(column)) }}{% endmacro %}
{% macro default__storage_order(column) %}order by {{ column }}{% endmacro %}
{% macro mysql__storage_order(column) %}{% endmacro %}
{% macro mariadb__storage_order(column) %}{% endmacro %}
{% macro spark__storage_order(column) %}{% endmacro %}
