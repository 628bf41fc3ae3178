#!/bin/bash
# sm-cost-bot auto-stop: stop this notebook instance after __IDLE_MINUTES__ idle minutes.
# Modelled on AWS's auto-stop-idle sample: a cron job runs the idle check every 5 minutes.
set -e
SCRIPT=/home/ec2-user/sm-cost-bot-autostop.py
cat > "$SCRIPT" <<'SMBOT_AUTOSTOP_PY'
__AUTOSTOP_PY__
SMBOT_AUTOSTOP_PY
CONDA_PYTHON=$(source /home/ec2-user/anaconda3/bin/activate /home/ec2-user/anaconda3/envs/JupyterSystemEnv && which python) || true
if [ -n "$CONDA_PYTHON" ] && "$CONDA_PYTHON" -c "import boto3" 2>/dev/null; then
    PYTHON="$CONDA_PYTHON"
elif /usr/bin/python3 -c "import boto3" 2>/dev/null; then
    PYTHON=/usr/bin/python3
else
    echo "sm-cost-bot auto-stop: no python with boto3 found; auto-stop not started"
    exit 0
fi
# A fresh instance has no crontab: `crontab -l` fails and grep finds nothing, neither may stop
# the script under `set -e` before the new line is written.
({ crontab -l 2>/dev/null | grep -v sm-cost-bot-autostop || true; }; \
 echo "*/5 * * * * $PYTHON $SCRIPT --time __IDLE_SECONDS____IGNORE_CONNECTIONS__ >> /var/log/jupyter.log 2>&1") | crontab -
