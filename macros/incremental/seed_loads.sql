{#- Which seed file each seed table was last loaded from, for the incremental models'
    fingerprints (incremental_fingerprint).

    dbt's checksum of a seed is the checksum of the CSV file as it is now. An analyst who
    edits a seed and runs `dbt run` before `dbt seed` gets models computed with the seed
    table's OLD rows; a fingerprint taken from the file would stamp those rows with the
    NEW file's checksum, and after `dbt seed` the next run would see no change and keep
    them for good. So every `dbt seed` records the checksum of the file it loaded (a
    post-hook of every seed, in the watermark table under the seed's name), and the
    fingerprint takes that: it changes when the table's rows change. -#}


{#- Post-hook of every seed (dbt_project.yml): one row (seed name, the loaded file's
    checksum as config_fingerprint, now) in the watermark table, which the on-run-start
    hook prepare_watermark_table has created before the first seed loads. -#}
{% macro record_seed_load() %}
  {#- not while parsing, where watermark_relation() is a ref(), which a seed's hook may not call -#}
  {%- set relation = chatbot_analytics.watermark_relation() if execute else none -%}
  {%- if relation is not none and load_relation(relation) is not none -%}
    {{ chatbot_analytics.insert_watermark_row(relation, model.name, 'cast(null as ' ~ chatbot_analytics.type_timestamp() ~ ')', model.checksum.checksum) }}
  {%- endif -%}
{% endmacro %}

{#- {seed name: checksum of the file its table was last loaded from} for the seeds that
    have a recorded load (record_seed_load); the others are left out. -#}
{% macro loaded_seed_checksums(names) %}
  {%- set relation = chatbot_analytics.watermark_relation() -%}
  {%- if not execute or relation is none or load_relation(relation) is none -%}
    {{ return({}) }}
  {%- endif -%}
  {%- set loaded = {} -%}
  {%- for name, checksum in chatbot_analytics.latest_recorded(names, 'config_fingerprint').items() if checksum -%}
    {%- do loaded.update({name: checksum}) -%}
  {%- endfor -%}
  {{ return(loaded) }}
{% endmacro %}
