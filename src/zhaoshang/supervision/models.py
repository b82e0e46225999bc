"""Supervision (督办): the duties of each policy tracked as obligations per holder and period
(`DutyObligation`), the problem list (`Problem`, 问题清单) worked through by the support units
with lights and escalation, and leaders' instructions (`Instruction`, 领导批示) with replies."""
