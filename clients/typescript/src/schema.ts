// Generated from openapi.json by `npm run generate -w clients/typescript`. Do not edit by hand.
/* eslint-disable */
export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Service health
         * @description Open to everyone. 503 with status "degraded" when the store cannot be reached or is full, and "shutting_down" from the moment the service starts to stop (SIGTERM, SIGINT); status "degraded" with 200 when it serves but lost data. `problems` says what is wrong.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "status": "ok",
                         *       "timestamp": "2024-01-15T10:30:00.000Z",
                         *       "uptime": 12.5,
                         *       "store": "sqlite",
                         *       "version": "1.0.0",
                         *       "problems": []
                         *     }
                         */
                        "application/json": {
                            /** @enum {unknown} */
                            status: "ok" | "degraded" | "shutting_down";
                            /** Format: date-time */
                            timestamp: string;
                            /** @description seconds since the process started */
                            uptime: number;
                            /** @example sqlite */
                            store: string;
                            version: string;
                            /** @description what needs an operator now: store unreachable, disk full, Redis data lost, a stored signing secret that does not decode */
                            problems: {
                                /** @example STORE_FULL */
                                code: string;
                                message: string;
                                /** Format: date-time */
                                since: string;
                            }[];
                        };
                    };
                };
                /** @description The store cannot be reached ("degraded"), or the service is shutting down */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "status": "ok",
                         *       "timestamp": "2024-01-15T10:30:00.000Z",
                         *       "uptime": 12.5,
                         *       "store": "sqlite",
                         *       "version": "1.0.0",
                         *       "problems": []
                         *     }
                         */
                        "application/json": {
                            /** @enum {unknown} */
                            status: "ok" | "degraded" | "shutting_down";
                            /** Format: date-time */
                            timestamp: string;
                            /** @description seconds since the process started */
                            uptime: number;
                            /** @example sqlite */
                            store: string;
                            version: string;
                            /** @description what needs an operator now: store unreachable, disk full, Redis data lost, a stored signing secret that does not decode */
                            problems: {
                                /** @example STORE_FULL */
                                code: string;
                                message: string;
                                /** Format: date-time */
                                since: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Prometheus text exposition format */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/queue/postback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List postbacks, newest first
         * @description The body is an array; a `Link: <…>; rel="next"` header announces the next page.
         */
        get: {
            parameters: {
                query?: {
                    status?: "pending" | "processing" | "completed" | "failed" | "canceled";
                    /** @description only postbacks whose URL starts with this */
                    postbackUrl?: string;
                    /** @description created at or after this time (0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z) */
                    createdFrom?: string;
                    /** @description created at or before this time (0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z) */
                    createdTo?: string;
                    /** @description at most this many, newest first; the default is the maximum, for clients that do not page */
                    limit?: number;
                    /** @description from the Link header of the previous page */
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            postbackUrl: string;
                            /** @enum {unknown} */
                            method: "GET" | "POST" | "PUT" | "PATCH";
                            /** @enum {unknown} */
                            status: "pending" | "processing" | "completed" | "failed" | "canceled";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            nextAttemptAt: string | null;
                            /** @description attempts made − 1 (0 until a second attempt starts) */
                            retries: number;
                            lastError: string | null;
                            lastStatusCode: number | null;
                            attempts: {
                                /**
                                 * Format: date-time
                                 * @description when the attempt started
                                 */
                                at: string;
                                durationMs: number;
                                /** @description the receiver’s HTTP status, when it answered */
                                statusCode?: number;
                                /** @description why the attempt failed */
                                error?: string;
                                /** @description the first 1 KiB of the receiver’s answer */
                                responseBody?: string;
                                /**
                                 * @description made to probe a quarantined destination; not counted against maxAttempts
                                 * @enum {boolean}
                                 */
                                probe?: true;
                            }[];
                            /** @description attempted in order with others of this key */
                            orderingKey: string | null;
                            /** @description told when it completes */
                            callbackUrl: string | null;
                            /** @description told when it fails */
                            failureCallbackUrl: string | null;
                        }[];
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Queue a postback
         * @description Stores the postback durably, answers at once and delivers it in the background. A repeat with the same idempotency key within the retention window returns the first queueId and queues nothing. Unknown top-level fields are ignored, as the original service did, and named in `warnings`; unknown fields inside `notify` are refused.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description a repeat with the same key returns the first queueId */
                    "idempotency-key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "postbackUrl": "https://example.com/webhook",
                     *       "payload": {
                     *         "event": "user.created",
                     *         "userId": "123"
                     *       },
                     *       "headers": {
                     *         "X-Custom-Header": "value"
                     *       }
                     *     }
                     */
                    "application/json": {
                        /**
                         * @description absolute http or https URL that receives the postback
                         * @example https://example.com/webhook
                         */
                        postbackUrl: string;
                        /** @description the JSON object to deliver */
                        payload: {
                            [key: string]: unknown;
                        };
                        /**
                         * @description HTTP method, POST by default
                         * @enum {unknown}
                         */
                        method?: "GET" | "POST" | "PUT" | "PATCH";
                        /** @description extra request headers sent with every attempt */
                        headers?: {
                            [key: string]: string;
                        };
                        /** @description same as the Idempotency-Key header */
                        idempotencyKey?: string;
                        /** @description wait this long before the first attempt (at most 365 days) */
                        delayMs?: number;
                        /**
                         * Format: date-time
                         * @description make the first attempt at this time: at most 31536000000 ms (365 days) from now, as delayMs
                         */
                        runAt?: string;
                        /** @description attempts in all for this postback (at most POSTBACK_MAX_ATTEMPTS_LIMIT) */
                        maxAttempts?: number;
                        /** @description per-attempt timeout for this postback (at most POSTBACK_TIMEOUT_LIMIT_MS) */
                        timeoutMs?: number;
                        /** @description when the postback ends, dispatch postback.completed or postback.failed with its status here */
                        notify?: {
                            /** @description sockets in this channel (with userId: only that user’s) */
                            channel?: string;
                            /** @description sockets of this user */
                            userId?: string;
                        };
                        /** @description when it completes, postback.completed is POSTed here */
                        callbackUrl?: string;
                        /** @description when it fails, postback.failed is POSTed here */
                        failureCallbackUrl?: string;
                        /** @description postbacks to the same destination with the same key are attempted one at a time, in order */
                        orderingKey?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "success": true,
                         *       "message": "Postback queued successfully",
                         *       "queueId": "1705123456789-abc123def"
                         *     }
                         */
                        "application/json": {
                            /** @enum {boolean} */
                            success: true;
                            /** @example Postback queued successfully */
                            message: string;
                            /** @example 1705123456789-abc123def */
                            queueId: string;
                            /**
                             * @description only when the body had fields this route does not know: one line each, saying it was ignored
                             * @example [
                             *       "unknown field 'delay' ignored"
                             *     ]
                             */
                            warnings?: string[];
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Body larger than BODY_LIMIT_BYTES */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Body is not JSON */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The Idempotency-Key was used for a different request (IDEMPOTENCY_KEY_REUSED) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The disk or memory holding the store is full (STORE_FULL); nothing was stored */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/queue/postback/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a postback’s status, attempts and what was queued
         * @description The only answer that shows the payload and headers that were queued.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A postback, its delivery history and what was queued */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            postbackUrl: string;
                            /** @enum {unknown} */
                            method: "GET" | "POST" | "PUT" | "PATCH";
                            /** @enum {unknown} */
                            status: "pending" | "processing" | "completed" | "failed" | "canceled";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            nextAttemptAt: string | null;
                            /** @description attempts made − 1 (0 until a second attempt starts) */
                            retries: number;
                            lastError: string | null;
                            lastStatusCode: number | null;
                            attempts: {
                                /**
                                 * Format: date-time
                                 * @description when the attempt started
                                 */
                                at: string;
                                durationMs: number;
                                /** @description the receiver’s HTTP status, when it answered */
                                statusCode?: number;
                                /** @description why the attempt failed */
                                error?: string;
                                /** @description the first 1 KiB of the receiver’s answer */
                                responseBody?: string;
                                /**
                                 * @description made to probe a quarantined destination; not counted against maxAttempts
                                 * @enum {boolean}
                                 */
                                probe?: true;
                            }[];
                            /** @description attempted in order with others of this key */
                            orderingKey: string | null;
                            /** @description told when it completes */
                            callbackUrl: string | null;
                            /** @description told when it fails */
                            failureCallbackUrl: string | null;
                            /** @description the payload that was queued */
                            payload: unknown;
                            /** @description the headers that were queued */
                            headers: {
                                [key: string]: string;
                            };
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description No such postback */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Cancel a pending postback */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A postback and its delivery history */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "id": "1705123456789-abc123def",
                         *       "postbackUrl": "https://example.com/webhook",
                         *       "method": "POST",
                         *       "status": "completed",
                         *       "createdAt": "2024-01-15T10:30:00.000Z",
                         *       "updatedAt": "2024-01-15T10:30:01.250Z",
                         *       "nextAttemptAt": null,
                         *       "retries": 1,
                         *       "lastError": null,
                         *       "lastStatusCode": 200,
                         *       "attempts": [
                         *         {
                         *           "at": "2024-01-15T10:30:00.004Z",
                         *           "durationMs": 250,
                         *           "statusCode": 503,
                         *           "responseBody": "busy"
                         *         },
                         *         {
                         *           "at": "2024-01-15T10:30:01.230Z",
                         *           "durationMs": 20,
                         *           "statusCode": 200,
                         *           "responseBody": "ok"
                         *         }
                         *       ],
                         *       "orderingKey": null,
                         *       "callbackUrl": null,
                         *       "failureCallbackUrl": null
                         *     }
                         */
                        "application/json": {
                            id: string;
                            postbackUrl: string;
                            /** @enum {unknown} */
                            method: "GET" | "POST" | "PUT" | "PATCH";
                            /** @enum {unknown} */
                            status: "pending" | "processing" | "completed" | "failed" | "canceled";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            nextAttemptAt: string | null;
                            /** @description attempts made − 1 (0 until a second attempt starts) */
                            retries: number;
                            lastError: string | null;
                            lastStatusCode: number | null;
                            attempts: {
                                /**
                                 * Format: date-time
                                 * @description when the attempt started
                                 */
                                at: string;
                                durationMs: number;
                                /** @description the receiver’s HTTP status, when it answered */
                                statusCode?: number;
                                /** @description why the attempt failed */
                                error?: string;
                                /** @description the first 1 KiB of the receiver’s answer */
                                responseBody?: string;
                                /**
                                 * @description made to probe a quarantined destination; not counted against maxAttempts
                                 * @enum {boolean}
                                 */
                                probe?: true;
                            }[];
                            /** @description attempted in order with others of this key */
                            orderingKey: string | null;
                            /** @description told when it completes */
                            callbackUrl: string | null;
                            /** @description told when it fails */
                            failureCallbackUrl: string | null;
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description No such postback */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/queue/postback/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Re-queue a finished postback with a fresh attempt budget */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A postback and its delivery history */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "id": "1705123456789-abc123def",
                         *       "postbackUrl": "https://example.com/webhook",
                         *       "method": "POST",
                         *       "status": "completed",
                         *       "createdAt": "2024-01-15T10:30:00.000Z",
                         *       "updatedAt": "2024-01-15T10:30:01.250Z",
                         *       "nextAttemptAt": null,
                         *       "retries": 1,
                         *       "lastError": null,
                         *       "lastStatusCode": 200,
                         *       "attempts": [
                         *         {
                         *           "at": "2024-01-15T10:30:00.004Z",
                         *           "durationMs": 250,
                         *           "statusCode": 503,
                         *           "responseBody": "busy"
                         *         },
                         *         {
                         *           "at": "2024-01-15T10:30:01.230Z",
                         *           "durationMs": 20,
                         *           "statusCode": 200,
                         *           "responseBody": "ok"
                         *         }
                         *       ],
                         *       "orderingKey": null,
                         *       "callbackUrl": null,
                         *       "failureCallbackUrl": null
                         *     }
                         */
                        "application/json": {
                            id: string;
                            postbackUrl: string;
                            /** @enum {unknown} */
                            method: "GET" | "POST" | "PUT" | "PATCH";
                            /** @enum {unknown} */
                            status: "pending" | "processing" | "completed" | "failed" | "canceled";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            nextAttemptAt: string | null;
                            /** @description attempts made − 1 (0 until a second attempt starts) */
                            retries: number;
                            lastError: string | null;
                            lastStatusCode: number | null;
                            attempts: {
                                /**
                                 * Format: date-time
                                 * @description when the attempt started
                                 */
                                at: string;
                                durationMs: number;
                                /** @description the receiver’s HTTP status, when it answered */
                                statusCode?: number;
                                /** @description why the attempt failed */
                                error?: string;
                                /** @description the first 1 KiB of the receiver’s answer */
                                responseBody?: string;
                                /**
                                 * @description made to probe a quarantined destination; not counted against maxAttempts
                                 * @enum {boolean}
                                 */
                                probe?: true;
                            }[];
                            /** @description attempted in order with others of this key */
                            orderingKey: string | null;
                            /** @description told when it completes */
                            callbackUrl: string | null;
                            /** @description told when it fails */
                            failureCallbackUrl: string | null;
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description No such postback */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Not in a state that allows this */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/queue/postback/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Re-queue every finished postback that matches a filter
         * @description By default every failed postback; an empty body is allowed.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "status": "failed",
                     *       "postbackUrl": "https://example.com/",
                     *       "createdFrom": "2024-01-15T00:00:00.000Z"
                     *     }
                     */
                    "application/json": {
                        /**
                         * @description which ended postbacks to re-queue
                         * @default failed
                         * @enum {unknown}
                         */
                        status?: "failed" | "completed";
                        /** @description only postbacks whose URL starts with this */
                        postbackUrl?: string;
                        /**
                         * Format: date-time
                         * @description created at or after this time (0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z)
                         */
                        createdFrom?: string;
                        /**
                         * Format: date-time
                         * @description created at or before this time (0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z)
                         */
                        createdTo?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "success": true,
                         *       "message": "Postbacks re-queued",
                         *       "count": 12
                         *     }
                         */
                        "application/json": {
                            /** @enum {boolean} */
                            success: true;
                            /** @example Postbacks re-queued */
                            message: string;
                            /** @description how many postbacks were re-queued */
                            count: number;
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/queue/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Queue counts, deliveries in flight and busy destinations */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "counts": {
                         *         "pending": 3,
                         *         "processing": 1,
                         *         "completed": 120,
                         *         "failed": 2,
                         *         "canceled": 0
                         *       },
                         *       "total": 126,
                         *       "oldestPendingAgeMs": 840,
                         *       "inFlight": 1,
                         *       "hosts": [
                         *         {
                         *           "destination": "https://slow.example:443",
                         *           "inFlight": 1,
                         *           "limit": 1,
                         *           "failureRate": 0.65
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            counts: {
                                pending: number;
                                processing: number;
                                completed: number;
                                failed: number;
                                canceled: number;
                            };
                            total: number;
                            /** @description how long the postback due the longest has waited for its attempt (now − its next attempt time), ms; null when none is due. Postbacks scheduled for later (delayMs, runAt, a retry) are not late */
                            oldestPendingAgeMs: number | null;
                            /** @description deliveries under way on this instance */
                            inFlight: number;
                            /** @description destinations that are busy, held back or failing (cluster-wide with STORE=redis) */
                            hosts: {
                                /** @example https://example.com:443 */
                                destination: string;
                                inFlight: number;
                                /** @description deliveries it may have in flight now, cluster-wide (POSTBACK_HOST_CONCURRENCY at most) */
                                limit: number;
                                /** @description share of its last 20 attempts that failed */
                                failureRate: number;
                            }[];
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/queue/activity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The last 15 minutes of delivery, in 10-second buckets
         * @description Postbacks delivered and failed, attempts, queue depth and the busiest destinations’ failure rates.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description the width of each bucket */
                            bucketMs: number;
                            /** @description oldest first, the last one still filling */
                            buckets: {
                                /**
                                 * Format: date-time
                                 * @description when the bucket starts
                                 */
                                at: string;
                                /** @description postbacks that completed */
                                delivered: number;
                                /** @description postbacks that failed for good */
                                failed: number;
                                attempts: number;
                                /** @description postbacks pending or in flight, when sampled */
                                depth: number | null;
                            }[];
                            /** @description the 20 busiest destinations of the window */
                            destinations: {
                                destination: string;
                                /** @description share of its attempts that failed, per bucket (null: no attempt) */
                                failureRates: (number | null)[];
                            }[];
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/queue/statuses": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The postback statuses and what each allows
         * @description Which statuses a postback may be re-queued from and canceled in; clients read it instead of keeping a copy.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Every status a postback can have, in the order of its life, and what each allows */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example [
                         *       {
                         *         "status": "pending",
                         *         "retryable": false,
                         *         "cancelable": true
                         *       },
                         *       {
                         *         "status": "failed",
                         *         "retryable": true,
                         *         "cancelable": false
                         *       }
                         *     ]
                         */
                        "application/json": {
                            /** @enum {unknown} */
                            status: "pending" | "processing" | "completed" | "failed" | "canceled";
                            /** @description POST /api/queue/postback/:id/retry re-queues a postback in this status */
                            retryable: boolean;
                            /** @description DELETE /api/queue/postback/:id cancels a postback in this status */
                            cancelable: boolean;
                        }[];
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/socket/dispatch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send an event to channels, users, or users in channels
         * @description Unknown top-level fields are ignored, as the original service did, and named in `warnings`; unknown fields inside `fallback` are refused.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description every socket in this channel (with userId or userIds: only those users’ sockets in it) */
                        channel?: string;
                        /** @description every socket in any of these channels; not with channel */
                        channels?: string[];
                        /** @description every socket of this user, in any channel */
                        userId?: string;
                        /** @description every socket of any of these users; not with userId */
                        userIds?: string[];
                        /** @description leave this socket out (the sender, say) */
                        exceptSocketId?: string;
                        /** @description the event name clients listen to; not one the service or Socket.IO sends (connected, message-received, pong, error, presence.joined, presence.left, connect, connect_error, disconnect, disconnecting, newListener, removeListener) */
                        event: string;
                        /** @description any JSON value, delivered as `data` */
                        data?: unknown;
                        /** @description wait for clients to acknowledge, up to ackTimeoutMs */
                        ack?: boolean;
                        /** @default 5000 */
                        ackTimeoutMs?: number;
                        /** @description when nobody receives the event (or, with ack, nobody acknowledges it), queue it as a postback here */
                        fallback?: {
                            /**
                             * @description absolute http or https URL that receives the postback
                             * @example https://example.com/webhook
                             */
                            postbackUrl: string;
                            /**
                             * @description HTTP method, POST by default
                             * @enum {unknown}
                             */
                            method?: "GET" | "POST" | "PUT" | "PATCH";
                            /** @description extra request headers sent with every attempt */
                            headers?: {
                                [key: string]: string;
                            };
                        };
                        /** @description store a copy per user (userId or userIds only) until one of that user’s sockets acks it; replayed on every connect until then */
                        durable?: boolean;
                        /**
                         * @description with durable: how long the message waits for an ack before it is dropped
                         * @default 604800
                         */
                        ttlSeconds?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "success": true,
                         *       "message": "Event dispatched successfully",
                         *       "dispatchedCount": 5
                         *     }
                         */
                        "application/json": {
                            /** @enum {boolean} */
                            success: true;
                            /** @example Event dispatched successfully */
                            message: string;
                            /** @description distinct sockets the event was sent to */
                            dispatchedCount: number;
                            /** @description with ack: sockets that acknowledged in time */
                            ackedCount?: number;
                            /** @description the postback queued because nobody received the event */
                            fallbackQueueId?: string;
                            /** @description with durable: the stored message, until each user acks their copy */
                            messageId?: string;
                            /**
                             * @description only when the body had fields this route does not know: one line each, saying it was ignored
                             * @example [
                             *       "unknown field 'delay' ignored"
                             *     ]
                             */
                            warnings?: string[];
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description With durable: a user already has SOCKET_INBOX_MAX_PER_USER messages waiting (INBOX_FULL); nothing was stored */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Body larger than BODY_LIMIT_BYTES */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Body is not JSON */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The disk or memory holding the store is full (STORE_FULL); nothing was stored */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/socket/dispatch/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send up to 100 dispatches in order, each answered in its place
         * @description Each item is a Dispatch; an item that is invalid or refused gets `{error, message}` in its place and the others are sent.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "items": [
                     *         {
                     *           "channel": "team-1",
                     *           "event": "release",
                     *           "data": {
                     *             "version": "2.1"
                     *           }
                     *         },
                     *         {
                     *           "userIds": [
                     *             "user-123",
                     *             "user-456"
                     *           ],
                     *           "event": "invoice.ready",
                     *           "data": {
                     *             "id": 7
                     *           },
                     *           "durable": true
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": {
                        /** @description 1 to 100 dispatches, sent in order */
                        items: unknown[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "results": [
                         *         {
                         *           "dispatchedCount": 4
                         *         },
                         *         {
                         *           "error": "VALIDATION_ERROR",
                         *           "message": "items/1/event must NOT have fewer than 1 characters"
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            /** @description one per item, in order */
                            results: ({
                                /** @description distinct sockets the event was sent to */
                                dispatchedCount: number;
                                /** @description with ack: sockets that acknowledged in time */
                                ackedCount?: number;
                                /** @description the postback queued because nobody received the event */
                                fallbackQueueId?: string;
                                /** @description with durable: the stored message, until each user acks their copy */
                                messageId?: string;
                            } | {
                                /** @description stable UPPER_SNAKE code */
                                error: string;
                                message: string;
                            })[];
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Body larger than BODY_LIMIT_BYTES */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Body is not JSON */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/socket/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mint a client token for a browser or app
         * @description A signed token (JWT, HS256) that connects only as `userId`, only to `channels`, carrying `info` for presence channels.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "userId": "user-123",
                     *       "channels": [
                     *         "team-7",
                     *         "presence-team-7"
                     *       ],
                     *       "info": {
                     *         "name": "Ana"
                     *       },
                     *       "expiresIn": 3600
                     *     }
                     */
                    "application/json": {
                        /** @description the only user the token connects as */
                        userId: string;
                        /** @description the only channels it may connect to and subscribe to (any when absent; never `$ops`) */
                        channels?: string[];
                        /**
                         * @description what a presence channel's other members see about this user: a JSON object of at most 1024 bytes
                         * @example {
                         *       "name": "Ana",
                         *       "avatar": "https://example.com/ana.png"
                         *     }
                         */
                        info?: {
                            [key: string]: unknown;
                        };
                        /**
                         * @description seconds
                         * @default 3600
                         */
                        expiresIn?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJl",
                         *       "expiresAt": "2024-01-15T11:30:00.000Z"
                         *     }
                         */
                        "application/json": {
                            token: string;
                            /** Format: date-time */
                            expiresAt: string;
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/socket/disconnect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Force sockets off
         * @description One socket by socketId, or every socket of a channel, a user, or a user in a channel.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "userId": "user-123"
                     *     }
                     */
                    "application/json": {
                        socketId?: string;
                        /** @description every socket in this channel */
                        channel?: string;
                        /** @description every socket of this user */
                        userId?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "success": true,
                         *       "message": "Sockets disconnected",
                         *       "disconnectedCount": 2
                         *     }
                         */
                        "application/json": {
                            /** @enum {boolean} */
                            success: true;
                            /** @example Sockets disconnected */
                            message: string;
                            disconnectedCount: number;
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/socket/sockets/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List connected sockets */
        get: {
            parameters: {
                query?: {
                    /** @description only sockets in this channel */
                    channel?: string;
                    /** @description only sockets of this user */
                    userId?: string;
                    /** @description list at most this many */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "totalConnections": 1,
                         *       "connections": [
                         *         {
                         *           "socketId": "abc123",
                         *           "channel": "my-channel",
                         *           "userId": "user-123",
                         *           "connectedAt": "2024-01-15T10:30:00.000Z",
                         *           "channels": [
                         *             "my-channel"
                         *           ]
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            totalConnections: number;
                            connections: {
                                socketId: string;
                                /** @description the channel it connected to */
                                channel: string;
                                userId: string;
                                /** Format: date-time */
                                connectedAt: string;
                                /** @description every channel it is in, subscriptions included */
                                channels: string[];
                            }[];
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/socket/sockets/channel/{channel}/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Count the users and sockets in a channel */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the channel */
                    channel: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "channel": "my-channel",
                         *       "userCount": 5,
                         *       "socketCount": 8
                         *     }
                         */
                        "application/json": {
                            channel: string;
                            userCount: number;
                            socketCount: number;
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/socket/channels/{channel}/presence": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the members of a presence channel
         * @description Members longest present first, with their `info`; `count` is every member. A channel whose name does not start with `presence-` is a 400.
         */
        get: {
            parameters: {
                query?: {
                    /** @description list at most this many members, longest present first */
                    limit?: number;
                };
                header?: never;
                path: {
                    /** @description a channel whose name starts with presence- */
                    channel: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "channel": "presence-team-7",
                         *       "count": 2,
                         *       "members": [
                         *         {
                         *           "userId": "ana",
                         *           "info": {
                         *             "name": "Ana"
                         *           },
                         *           "since": "2024-01-15T10:30:00.000Z"
                         *         },
                         *         {
                         *           "userId": "bia",
                         *           "info": null,
                         *           "since": "2024-01-15T10:31:12.000Z"
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            channel: string;
                            /** @description every member, however many are listed */
                            count: number;
                            members: {
                                userId: string;
                                /** @description the info of the socket that made the user a member; null when it had none */
                                info: {
                                    [key: string]: unknown;
                                } | null;
                                /**
                                 * Format: date-time
                                 * @description when the user became a member
                                 */
                                since: string;
                            }[];
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/socket/inboxes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the users with durable messages waiting, most first
         * @description Each user with `{userId, pending, oldestAt}` as the per-user route answers; users with nothing pending are left out. Read from a count kept per user: the cost grows with `limit`, not with the messages stored.
         */
        get: {
            parameters: {
                query?: {
                    /** @description list at most this many users, most pending first */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description users with pending messages, most pending first */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example [
                         *       {
                         *         "userId": "user-123",
                         *         "pending": 12,
                         *         "oldestAt": "2024-01-15T10:30:00.000Z"
                         *       },
                         *       {
                         *         "userId": "user-456",
                         *         "pending": 2,
                         *         "oldestAt": "2024-01-15T11:02:41.000Z"
                         *       }
                         *     ]
                         */
                        "application/json": {
                            userId: string;
                            /** @description messages stored and not yet acked (expired ones not counted) */
                            pending: number;
                            /** @description when the oldest pending message was dispatched; null when none is pending */
                            oldestAt: string | null;
                        }[];
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/socket/users/{userId}/inbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Count the durable messages waiting for a user */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the user whose inbox this is */
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "userId": "user-123",
                         *       "pending": 2,
                         *       "oldestAt": "2024-01-15T10:30:00.000Z"
                         *     }
                         */
                        "application/json": {
                            userId: string;
                            /** @description messages stored and not yet acked (expired ones not counted) */
                            pending: number;
                            /** @description when the oldest pending message was dispatched; null when none is pending */
                            oldestAt: string | null;
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete every durable message waiting for a user */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the user whose inbox this is */
                    userId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "success": true,
                         *       "message": "Inbox cleared",
                         *       "userId": "user-123",
                         *       "deletedCount": 2
                         *     }
                         */
                        "application/json": {
                            /** @enum {boolean} */
                            success: true;
                            /** @example Inbox cleared */
                            message: string;
                            userId: string;
                            deletedCount: number;
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/destinations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List destinations, busiest first
         * @description Every destination with postbacks pending or in flight, seen within the retention window, or with settings.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /**
                             * @description scheme://host:port
                             * @example https://api.example.com:443
                             */
                            destination: string;
                            /** @enum {unknown} */
                            state: "active" | "paused" | "quarantined";
                            stateSince: string | null;
                            /** @description attempts under way, cluster-wide */
                            inFlight: number;
                            /** @description attempts it may have in flight now */
                            limit: number;
                            /** @description share of its last 20 attempts that failed */
                            failureRate: number;
                            /** @description postbacks waiting for an attempt */
                            pending: number;
                            lastAttemptAt: string | null;
                            lastError: string | null;
                            settings: {
                                maxConcurrency: number | null;
                                ratePerSecond: number | null;
                                timeoutMs: number | null;
                            };
                            signing: {
                                /** @description deliveries carry two signatures (new first) during the rotation grace */
                                rotating: boolean;
                                rotatedAt: string | null;
                            };
                        }[];
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/destinations/{destination}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get one destination */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the destination, URL-encoded: https%3A%2F%2Fapi.example.com%3A443 (the default port may be left out) */
                    destination: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "destination": "https://api.example.com:443",
                         *       "state": "quarantined",
                         *       "stateSince": "2024-01-15T10:31:00.000Z",
                         *       "inFlight": 0,
                         *       "limit": 1,
                         *       "failureRate": 1,
                         *       "pending": 42,
                         *       "lastAttemptAt": "2024-01-15T10:35:30.000Z",
                         *       "lastError": "HTTP 503 Service Unavailable",
                         *       "settings": {
                         *         "maxConcurrency": null,
                         *         "ratePerSecond": 5,
                         *         "timeoutMs": null
                         *       },
                         *       "signing": {
                         *         "rotating": false,
                         *         "rotatedAt": null
                         *       }
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description scheme://host:port
                             * @example https://api.example.com:443
                             */
                            destination: string;
                            /** @enum {unknown} */
                            state: "active" | "paused" | "quarantined";
                            stateSince: string | null;
                            /** @description attempts under way, cluster-wide */
                            inFlight: number;
                            /** @description attempts it may have in flight now */
                            limit: number;
                            /** @description share of its last 20 attempts that failed */
                            failureRate: number;
                            /** @description postbacks waiting for an attempt */
                            pending: number;
                            lastAttemptAt: string | null;
                            lastError: string | null;
                            settings: {
                                maxConcurrency: number | null;
                                ratePerSecond: number | null;
                                timeoutMs: number | null;
                            };
                            signing: {
                                /** @description deliveries carry two signatures (new first) during the rotation grace */
                                rotating: boolean;
                                rotatedAt: string | null;
                            };
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description No such destination */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change a destination’s settings
         * @description maxConcurrency, ratePerSecond and timeoutMs; null clears one. A destination never seen before is created.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the destination, URL-encoded: https%3A%2F%2Fapi.example.com%3A443 (the default port may be left out) */
                    destination: string;
                };
                cookie?: never;
            };
            /** @description The settings to change; null clears one (back to the server default). */
            requestBody: {
                content: {
                    "application/json": {
                        maxConcurrency?: number | null;
                        ratePerSecond?: number | null;
                        timeoutMs?: number | null;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "destination": "https://api.example.com:443",
                         *       "state": "quarantined",
                         *       "stateSince": "2024-01-15T10:31:00.000Z",
                         *       "inFlight": 0,
                         *       "limit": 1,
                         *       "failureRate": 1,
                         *       "pending": 42,
                         *       "lastAttemptAt": "2024-01-15T10:35:30.000Z",
                         *       "lastError": "HTTP 503 Service Unavailable",
                         *       "settings": {
                         *         "maxConcurrency": null,
                         *         "ratePerSecond": 5,
                         *         "timeoutMs": null
                         *       },
                         *       "signing": {
                         *         "rotating": false,
                         *         "rotatedAt": null
                         *       }
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description scheme://host:port
                             * @example https://api.example.com:443
                             */
                            destination: string;
                            /** @enum {unknown} */
                            state: "active" | "paused" | "quarantined";
                            stateSince: string | null;
                            /** @description attempts under way, cluster-wide */
                            inFlight: number;
                            /** @description attempts it may have in flight now */
                            limit: number;
                            /** @description share of its last 20 attempts that failed */
                            failureRate: number;
                            /** @description postbacks waiting for an attempt */
                            pending: number;
                            lastAttemptAt: string | null;
                            lastError: string | null;
                            settings: {
                                maxConcurrency: number | null;
                                ratePerSecond: number | null;
                                timeoutMs: number | null;
                            };
                            signing: {
                                /** @description deliveries carry two signatures (new first) during the rotation grace */
                                rotating: boolean;
                                rotatedAt: string | null;
                            };
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/destinations/{destination}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a destination: no attempts, its postbacks wait */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the destination, URL-encoded: https%3A%2F%2Fapi.example.com%3A443 (the default port may be left out) */
                    destination: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "destination": "https://api.example.com:443",
                         *       "state": "quarantined",
                         *       "stateSince": "2024-01-15T10:31:00.000Z",
                         *       "inFlight": 0,
                         *       "limit": 1,
                         *       "failureRate": 1,
                         *       "pending": 42,
                         *       "lastAttemptAt": "2024-01-15T10:35:30.000Z",
                         *       "lastError": "HTTP 503 Service Unavailable",
                         *       "settings": {
                         *         "maxConcurrency": null,
                         *         "ratePerSecond": 5,
                         *         "timeoutMs": null
                         *       },
                         *       "signing": {
                         *         "rotating": false,
                         *         "rotatedAt": null
                         *       }
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description scheme://host:port
                             * @example https://api.example.com:443
                             */
                            destination: string;
                            /** @enum {unknown} */
                            state: "active" | "paused" | "quarantined";
                            stateSince: string | null;
                            /** @description attempts under way, cluster-wide */
                            inFlight: number;
                            /** @description attempts it may have in flight now */
                            limit: number;
                            /** @description share of its last 20 attempts that failed */
                            failureRate: number;
                            /** @description postbacks waiting for an attempt */
                            pending: number;
                            lastAttemptAt: string | null;
                            lastError: string | null;
                            settings: {
                                maxConcurrency: number | null;
                                ratePerSecond: number | null;
                                timeoutMs: number | null;
                            };
                            signing: {
                                /** @description deliveries carry two signatures (new first) during the rotation grace */
                                rotating: boolean;
                                rotatedAt: string | null;
                            };
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/destinations/{destination}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a paused destination */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the destination, URL-encoded: https%3A%2F%2Fapi.example.com%3A443 (the default port may be left out) */
                    destination: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "destination": "https://api.example.com:443",
                         *       "state": "quarantined",
                         *       "stateSince": "2024-01-15T10:31:00.000Z",
                         *       "inFlight": 0,
                         *       "limit": 1,
                         *       "failureRate": 1,
                         *       "pending": 42,
                         *       "lastAttemptAt": "2024-01-15T10:35:30.000Z",
                         *       "lastError": "HTTP 503 Service Unavailable",
                         *       "settings": {
                         *         "maxConcurrency": null,
                         *         "ratePerSecond": 5,
                         *         "timeoutMs": null
                         *       },
                         *       "signing": {
                         *         "rotating": false,
                         *         "rotatedAt": null
                         *       }
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description scheme://host:port
                             * @example https://api.example.com:443
                             */
                            destination: string;
                            /** @enum {unknown} */
                            state: "active" | "paused" | "quarantined";
                            stateSince: string | null;
                            /** @description attempts under way, cluster-wide */
                            inFlight: number;
                            /** @description attempts it may have in flight now */
                            limit: number;
                            /** @description share of its last 20 attempts that failed */
                            failureRate: number;
                            /** @description postbacks waiting for an attempt */
                            pending: number;
                            lastAttemptAt: string | null;
                            lastError: string | null;
                            settings: {
                                maxConcurrency: number | null;
                                ratePerSecond: number | null;
                                timeoutMs: number | null;
                            };
                            signing: {
                                /** @description deliveries carry two signatures (new first) during the rotation grace */
                                rotating: boolean;
                                rotatedAt: string | null;
                            };
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/destinations/{destination}/secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a destination’s own secret */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the destination, URL-encoded: https%3A%2F%2Fapi.example.com%3A443 (the default port may be left out) */
                    destination: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
                         *     }
                         */
                        "application/json": {
                            /** @description a Standard Webhooks secret */
                            secret: string;
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description No such destination */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Give a destination a signing secret of its own
         * @description Made here unless `secret` is given. For SIGNING_ROTATION_GRACE_MS, deliveries carry the new and the old signature.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the destination, URL-encoded: https%3A%2F%2Fapi.example.com%3A443 (the default port may be left out) */
                    destination: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description a Standard Webhooks secret */
                        secret?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
                         *     }
                         */
                        "application/json": {
                            /** @description a Standard Webhooks secret */
                            secret: string;
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        /**
         * Go back to POSTBACK_SIGNING_SECRET
         * @description The secret it had is still signed with for SIGNING_ROTATION_GRACE_MS.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the destination, URL-encoded: https%3A%2F%2Fapi.example.com%3A443 (the default port may be left out) */
                    destination: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "destination": "https://api.example.com:443",
                         *       "state": "quarantined",
                         *       "stateSince": "2024-01-15T10:31:00.000Z",
                         *       "inFlight": 0,
                         *       "limit": 1,
                         *       "failureRate": 1,
                         *       "pending": 42,
                         *       "lastAttemptAt": "2024-01-15T10:35:30.000Z",
                         *       "lastError": "HTTP 503 Service Unavailable",
                         *       "settings": {
                         *         "maxConcurrency": null,
                         *         "ratePerSecond": 5,
                         *         "timeoutMs": null
                         *       },
                         *       "signing": {
                         *         "rotating": false,
                         *         "rotatedAt": null
                         *       }
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description scheme://host:port
                             * @example https://api.example.com:443
                             */
                            destination: string;
                            /** @enum {unknown} */
                            state: "active" | "paused" | "quarantined";
                            stateSince: string | null;
                            /** @description attempts under way, cluster-wide */
                            inFlight: number;
                            /** @description attempts it may have in flight now */
                            limit: number;
                            /** @description share of its last 20 attempts that failed */
                            failureRate: number;
                            /** @description postbacks waiting for an attempt */
                            pending: number;
                            lastAttemptAt: string | null;
                            lastError: string | null;
                            settings: {
                                maxConcurrency: number | null;
                                ratePerSecond: number | null;
                                timeoutMs: number | null;
                            };
                            signing: {
                                /** @description deliveries carry two signatures (new first) during the rotation grace */
                                rotating: boolean;
                                rotatedAt: string | null;
                            };
                        };
                    };
                };
                /** @description Invalid input; the message names the field. Also: malformed JSON (INVALID_JSON), JSON nested deeper than 64 levels, a __proto__ or constructor.prototype key */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description Missing or wrong API token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description No such destination */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
                /** @description The store cannot be reached (STORE_UNAVAILABLE) or the service is shutting down (SHUTTING_DOWN) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "error": "VALIDATION_ERROR",
                         *       "message": "body must have required property 'payload'"
                         *     }
                         */
                        "application/json": {
                            /**
                             * @description a stable code from the error catalogue
                             * @example VALIDATION_ERROR
                             */
                            error: string;
                            /** @description what went wrong, for humans */
                            message: string;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
