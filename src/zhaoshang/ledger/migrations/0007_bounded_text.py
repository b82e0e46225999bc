# Every free text bounded and checked by the model (core/fields.py); a stage change's evidence
# checked by size and content (core/uploads.py). No SQL: the columns stay text.

import zhaoshang.core.fields
import zhaoshang.core.uploads
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0006_zombie_class_and_contract_obligations'),
    ]

    operations = [
        migrations.AlterField(
            model_name='ownershipclaim',
            name='decision',
            field=zhaoshang.core.fields.BoundedTextField(blank=True, max_length=2000, verbose_name='裁定意见'),
        ),
        migrations.AlterField(
            model_name='ownershipclaim',
            name='reason',
            field=zhaoshang.core.fields.BoundedTextField(max_length=2000, verbose_name='申请理由'),
        ),
        migrations.AlterField(
            model_name='project',
            name='plan',
            field=zhaoshang.core.fields.BoundedTextField(blank=True, max_length=10000, verbose_name='推进方案'),
        ),
        migrations.AlterField(
            model_name='project',
            name='termination_reason',
            field=zhaoshang.core.fields.BoundedTextField(blank=True, max_length=2000, verbose_name='终止原因'),
        ),
        migrations.AlterField(
            model_name='stagechange',
            name='reason',
            field=zhaoshang.core.fields.BoundedTextField(blank=True, max_length=2000, verbose_name='原因'),
        ),
        migrations.AlterField(
            model_name='stagechange',
            name='evidence',
            field=models.FileField(blank=True, upload_to='evidence/%Y/%m/', validators=[zhaoshang.core.uploads.validate_evidence], verbose_name='佐证材料'),
        ),
    ]
