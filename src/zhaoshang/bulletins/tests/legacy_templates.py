"""The shipped templates as they were written before the Chinese placeholders (Django syntax with
English names), verbatim: offices that saved a copy of them still have this text, and it must keep
rendering exactly as the new defaults do."""

LEGACY_DEFAULTS = {
    "monthly": {
        "masthead": "招商引资工作战报",
        "number_pattern": "{year}年第{seq}期",
        "title": "{{ jurisdiction }}{{ period }}招商引资工作战报",
        "recipients": "",
        "copy_to": "县委、县人大、县政府、县政协领导",
        "body": """# 一、总体情况
{{ period }}，全{{ jurisdiction_kind }}新签约项目{{ signed_count }}个，总投资{{ signed_yi }}亿元；新开工项目{{ started_count }}个，总投资{{ started_yi }}亿元；新投产项目{{ production_count }}个；当期实际进资{{ funds_yi }}亿元，{{ year }}年累计实际进资{{ year_funds_yi }}亿元。目前在库项目共{{ project_count }}个。
外出招商{{ activities.outbound_trip }}批次，拜访企业{{ activities.visit }}次，接待客商{{ activities.reception }}批次，举办推介活动{{ activities.promotion_event }}场。
[表格 pipeline]
# 二、签约项目
{% if signed_count %}[表格 signed]{% else %}本期无新签约项目。{% endif %}
# 三、开工项目
{% if started_count %}[表格 started]{% else %}本期无新开工项目。{% endif %}
# 四、各招商团队工作情况
[表格 teams]
# 五、考核排名
{% if run %}{% if not run_published %}本期考核结果尚未发布，以下排名为草稿，仅供审核。
{% endif %}[表格 ranking]
{% if front_runners %}一马当先榜：{{ front_runners|join:"、" }}。{% endif %}
{% if catch_up %}奋起直追榜：{{ catch_up|join:"、" }}。{% endif %}
{% else %}本期考核结果尚未计算。{% endif %}
# 六、预警提示
{% if warnings %}按当前进度，以下对象年底可能面临问责情形，请相关单位加压奋进：
[表格 warnings]{% else %}按当前进度，暂无对象面临问责情形。{% endif %}
""",
        "signature": "{{ issuer }}",
    },
    "briefing": {
        "masthead": "招商引资工作简报",
        "number_pattern": "第{seq}期",
        "title": "{{ period }}招商引资工作动态",
        "recipients": "",
        "copy_to": "县委、县人大、县政府、县政协领导，各招商团队、各责任单位",
        "body": """# 一、工作动态
{{ period }}，各招商团队和责任单位外出招商{{ activities.outbound_trip }}批次，拜访企业{{ activities.visit }}次，接待客商{{ activities.reception }}批次，举办推介活动{{ activities.promotion_event }}场，报送线索信息{{ leads.total }}条，其中经甄别有效{{ leads.valid }}条。
# 二、项目进展
新签约项目{{ signed_count }}个，总投资{{ signed_yi }}亿元；新开工项目{{ started_count }}个，总投资{{ started_yi }}亿元；实际进资{{ funds_yi }}亿元。
{% if signed_count %}[表格 signed]{% endif %}
{% if started_count %}[表格 started]{% endif %}
# 三、下步工作
各招商团队和责任单位要紧盯目标任务，加大外出招商力度，加快在谈项目签约落地，确保完成全年目标任务。
""",
        "signature": "{{ issuer }}",
    },
    "notice": {
        "masthead": "{{ issuer }}文件",
        "number_pattern": "{abbr}〔{year}〕{seq}号",
        "title": "关于{{ period }}招商引资工作考核排名情况的通报",
        "recipients": "各招商团队、各责任单位：",
        "copy_to": "县委、县人大、县政府、县政协领导",
        "body": """根据《{{ policy_title }}》要求，现将{{ period }}招商引资工作考核排名情况通报如下：
# 一、考核排名
{% if run %}[表格 ranking]{% else %}本期考核结果尚未计算。{% endif %}
# 二、一马当先榜和奋起直追榜
{% if front_runners %}一马当先榜：{{ front_runners|join:"、" }}。{% else %}本期一马当先榜空缺。{% endif %}
{% if catch_up %}奋起直追榜：{{ catch_up|join:"、" }}。{% else %}本期奋起直追榜空缺。{% endif %}
# 三、问责情形
{% if flags %}[表格 flags]{% else %}本期无。{% endif %}
# 四、经费和奖励
{% if amounts %}本期核定经费和奖励合计{{ amount_total }}万元，明细如下：
[表格 amounts]{% else %}本期无。{% endif %}
希望受表扬的单位再接再厉，排名靠后的单位认真分析原因、迎头赶上，确保完成全年目标任务。
""",
        "signature": "{{ issuer }}",
    },
}

# What the shipped defaults (bulletins/defaults.py) gained after the switch to the Chinese
# placeholders, which the old text never had: the supervision section of the monthly report and the
# held rewards of the notice (issue 14). The comparison leaves them out of the new defaults.
ADDED_SINCE = {
    "monthly": {
        "body": """# 七、督办事项
【如果 本期到期职责任务数】本期到期职责任务【本期到期职责任务数】项，已完成【本期已完成职责任务数】项【如果 本期逾期职责任务数】，逾期【本期逾期职责任务数】项【结束】。
【表格 职责任务完成情况】【否则】本期无到期职责任务。【结束】
本期新提出问题【本期新提出问题数】个，销号【本期销号问题数】个；期末未办结问题【期末未办结问题数】个【如果 期末逾期未办结问题数】，其中逾期【期末逾期未办结问题数】个，请相关要素保障单位抓紧办结：
【表格 逾期未办结问题】【否则】。【结束】
"""
    },
    "notice": {
        "body": """
【如果 暂缓兑现合计（万元）】其中【暂缓兑现合计（万元）】万元因项目未按合同履约暂缓兑现，待整改到位并经研究同意后兑现。【结束】"""
    },
}
