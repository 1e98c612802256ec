{#- The run's reporting date (var `as_of`, SPEC §2): anything dated after it is ignored.
    Without the var it is today in the reporting time zone, as the CLI would pass it. -#}
{% macro as_of_date() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is none or as_of == '' -%}
        {%- set as_of = modules.datetime.datetime.now(modules.pytz.timezone(var('timezone'))).date().isoformat() -%}
    {%- endif -%}
    cast('{{ as_of }}' as date)
{%- endmacro %}
