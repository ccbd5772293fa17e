-- The Official Account's custom menu (issue 16: 自定义菜单): one per deployment, as admins saved
-- it (`buttons`, Yizhan's shape with click replies), its version, and which version WeChat has.
CREATE TABLE mp_menu (
    id                SMALLINT    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    buttons           JSONB       NOT NULL CHECK (jsonb_typeof(buttons) = 'array'),
    version           INTEGER     NOT NULL DEFAULT 1,
    published_version INTEGER,
    publish_status    TEXT        NOT NULL DEFAULT 'draft'
        CHECK (publish_status IN ('draft', 'publishing', 'published', 'failed')),
    publish_error     TEXT,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at      TIMESTAMPTZ
);
