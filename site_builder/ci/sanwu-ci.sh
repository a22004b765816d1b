#!/bin/sh
# 三务公开网站的 CI 步骤（由 sanwu init 写入）。GitHub Actions 和 Gitee Go 都调用它，本机也能运行：
#
#   sh ci/sanwu-ci.sh pr BASE    合并请求：检查全部记录，并把与 BASE 相比改了什么写成摘要
#   sh ci/sanwu-ci.sh publish    发布分支：构建所有版本，记录修订，提交审计记录，部署公开版
#   sh ci/sanwu-ci.sh auto       在发布分支上 publish，在其他分支上 pr origin/发布分支（Gitee Go 用）
#
# 环境变量（都可不设）：
#   SANWU            sanwu 命令（默认 sanwu）
#   BUILD_OPTIONS    构建的其他选项，如 --no-pdf
#   SUMMARY          摘要写到哪个文件（GitHub 上默认是 $GITHUB_STEP_SUMMARY，其他默认 sanwu-summary.md）
#   PUBLISH_BRANCH   发布分支（默认 main）
#   DEPLOY_TARGET    rsync 的目标，如 deploy@web.example.org:/srv/sanwu/public/；不设则不部署
#   DEPLOY_SSH_KEY   部署用的 SSH 私钥（内容，不是文件名）
set -eu

SANWU="${SANWU:-sanwu}"
SUMMARY="${SUMMARY:-${GITHUB_STEP_SUMMARY:-sanwu-summary.md}}"
BRANCH="${PUBLISH_BRANCH:-main}"

pr() {
    base="$1"
    status=0
    $SANWU check --format github || status=$?
    {
        echo "## 三务公开：本次修改了什么（公开版所见）"
        echo
        $SANWU diff "$base" --format markdown --audience public || status=$?
    } >>"$SUMMARY"
    exit "$status"
}

deploy() {
    [ -n "${DEPLOY_TARGET:-}" ] || { echo "未设置 DEPLOY_TARGET：只构建，不部署。"; return 0; }
    ssh_cmd="ssh -o StrictHostKeyChecking=accept-new"
    if [ -n "${DEPLOY_SSH_KEY:-}" ]; then
        key="$(mktemp)"
        printf '%s\n' "$DEPLOY_SSH_KEY" >"$key"
        chmod 600 "$key"
        ssh_cmd="$ssh_cmd -i $key"
    fi
    # output/public/ is a link to the live build; the trailing slash sends its files. Only the public build
    # leaves this machine: party and committee builds are deployed by hand to a protected server.
    rsync -rlt --delete -e "$ssh_cmd" output/public/ "$DEPLOY_TARGET"
}

publish() {
    $SANWU git-setup >/dev/null
    tries=0
    while :; do
        # shellcheck disable=SC2086  # BUILD_OPTIONS is a list of options
        $SANWU build --audience all --record ${BUILD_OPTIONS:-}
        git add content/_audit
        if ! git diff --cached --quiet; then
            git -c user.name="${GIT_AUTHOR_NAME:-sanwu-ci}" -c user.email="${GIT_AUTHOR_EMAIL:-sanwu-ci@localhost}" \
                commit -q -m "审计记录：$(date +%Y-%m-%d) 发布 [skip ci]"
        fi
        if git push -q origin "HEAD:$BRANCH"; then
            break
        fi
        # Someone published at the same time: take their trail, re-chain ours after it (the merge driver), rebuild.
        tries=$((tries + 1))
        [ "$tries" -lt 3 ] || { echo "推送失败 3 次，请稍后重试。" >&2; exit 1; }
        git -c user.name=sanwu-ci -c user.email=sanwu-ci@localhost pull -q --no-rebase --no-edit origin "$BRANCH"
    done
    $SANWU audit verify
    deploy
}

auto() {
    current="${CI_BRANCH:-$(git symbolic-ref --short -q HEAD || true)}"
    if [ "$current" = "$BRANCH" ]; then
        publish
    else
        git fetch -q origin "$BRANCH" || true
        pr "origin/$BRANCH"
    fi
}

case "${1:-}" in
    pr) pr "${2:?用法：sh ci/sanwu-ci.sh pr BASE}" ;;
    publish) publish ;;
    auto) auto ;;
    *) echo "用法：sh ci/sanwu-ci.sh pr BASE | publish | auto" >&2; exit 2 ;;
esac
