{#-
    The lead-level models (a lead's events, channel, handover, stages, first response, …) are
    updated per lead: a daily run deletes the rows of the leads whose inputs changed since the
    last build and computes those leads again, from all of their rows. Everything else stays as
    stored, which is what a full rebuild would give as long as

    - each row depends only on its own lead's rows (no ranking across leads);
    - as_of only cuts off what is dated after it (a column that moves with as_of, like how long
      an SQL has waited, belongs in a mart);
    - the code, maps and settings are those of the last build, and the CRM's records were
      appended to, not reloaded, since then, with no new users (a user's team decides what
      answers an SQL, for all the leads the user touched).

    `onefunnel run` checks the last point and rebuilds in full otherwise
    (orchestration/defs/dbt/assets.py). When it updates, it tells dbt since when to look
    for changes through two environment variables: ONEFUNNEL_CHANGES_LOADED_SINCE (the UTC
    time the last build started: a record landed since then is new) and
    ONEFUNNEL_CHANGES_DATED_FROM (the UTC instant the last build's as_of ended: a row dated
    from then on was beyond its reach). int_leads_to_update turns those into the leads to
    compute again. Without the two, as when dbt is run by hand, every lead is computed again.
-#}
{% macro lead_changes_window() -%}
    {#- read when dbt runs, not when it parses, as the settings are (macros/run_setting.sql) -#}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set loaded_since = env_var('ONEFUNNEL_CHANGES_LOADED_SINCE', '') -%}
    {%- set dated_from = env_var('ONEFUNNEL_CHANGES_DATED_FROM', '') -%}
    {%- if loaded_since and dated_from -%}
        {{ return({'loaded_since': loaded_since, 'dated_from': dated_from}) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- The configuration of a lead-level model (see above). Spark's plain Parquet tables cannot
    delete rows, so there the table is rebuilt. -#}
{% macro updated_by_lead() -%}
    {{ config(
        materialized='table' if target.type == 'spark' else 'incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_leads_to_update() }}",
    ) }}
{%- endmacro %}

{% macro delete_leads_to_update() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    {%- if lead_changes_window() is not none %}
    where lead_id in (select lead_id from {{ ref('int_leads_to_update') }})
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- A condition on a lead-level model's input: true for the leads computed in this build. -#}
{% macro among_leads_to_update(lead_column) -%}
    {#- the window first: a unit test has no table for is_incremental() to look at -#}
    {%- if lead_changes_window() is not none and is_incremental() -%}
    {{ lead_column }} in (select lead_id from {{ ref('int_leads_to_update') }})
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}

{#- Every version of each record of `relation`, a raw table (which keeps them all), of which a
    version landed since `loaded_since`: the ids in `columns`, trimmed as staging trims them. -#}
{% macro versions_landed_since(relation, key_column, columns, loaded_since) -%}
    select
        {%- for column in columns %}
        trim({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ relation }}
    where trim({{ key_column }}) in (
        select trim({{ key_column }})
        from {{ relation }}
        where _loaded_at >= {{ loaded_since }}
    )
{%- endmacro %}
