{#-
    A run setting of SPEC §2 (`timezone`, `base_currency`, `as_of`): the dbt var when one is
    given (`--vars`, unit-test overrides), else the environment variable `onefunnel run` sets
    (ONEFUNNEL_TIMEZONE, …), else the default. The pipeline passes settings through the
    environment rather than `--vars` because dbt parses the whole project again whenever a
    var changes, and `as_of` changes every day. The setting is read only when dbt runs a node,
    not while it parses: dbt parses again every model that read a changed environment
    variable while parsing. No config, ref or schema depends on a setting, so parsing does
    not need one.
-#}
{% macro run_setting(name, default=none) -%}
    {%- if not execute -%}
        {{ return(default) }}
    {%- endif -%}
    {%- set value = var(name, none) -%}
    {%- if value is none or value == '' -%}
        {%- set value = env_var('ONEFUNNEL_' ~ name | upper, '') -%}
    {%- endif -%}
    {{ return(value if value != '' else default) }}
{%- endmacro %}
